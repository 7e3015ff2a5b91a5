using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Expectations.Delete;

sealed class Endpoint(ExpectationStore expectations) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/expectations/{name}");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Stop keeping an expectation of the admin's (built-in ones are muted instead: POST /v1/expectations/mutes).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (!await expectations.DeleteAsync(req.Name, HttpContext.ToActor(), ct))
            ThrowError(r => r.Name, $"There is no expectation '{req.Name}'.", 404);
        await Send.NoContentAsync(ct);
    }
}

sealed class Request
{
    /// <summary>The expectation's name, e.g. safari-native-player.</summary>
    public string Name { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator() =>
            RuleFor(r => r.Name).Matches(ExpectationDefinition.NamePattern)
                .WithMessage("name must be the name of an admin's expectation; a built-in one (builtin:…) is muted, not deleted.");
    }
}
