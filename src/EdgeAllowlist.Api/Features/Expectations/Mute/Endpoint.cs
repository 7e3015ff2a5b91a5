using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Expectations.Mute;

sealed class Endpoint(ExpectationStore expectations) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/expectations/mutes");
        Permissions(ApiScopes.RulesWrite);
        Summary(s =>
        {
            s.Summary = "Mute (or unmute) one built-in expectation: it stays listed and is no longer checked. Audited.";
            s.RequestExamples.Add(new(new Request { Name = "builtin:browsers:https://legacy.example.com", Muted = true }, "Mute one origin's browser check"));
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var changed = await expectations.SetMutedAsync(req.Name, req.Muted, HttpContext.ToActor(), ct);
        await Send.OkAsync(new(req.Name, req.Muted, changed), ct);
    }
}

sealed class Request
{
    /// <summary>A built-in expectation's name as GET /v1/expectations lists it, e.g. builtin:forged-mediatailor.</summary>
    public string Name { get; init; } = "";

    /// <summary>true to mute, false to check it again.</summary>
    public bool Muted { get; init; } = true;

    internal sealed class Validator : Validator<Request>
    {
        static readonly string[] Kinds = [BuiltInExpectations.PartnerPrefix, BuiltInExpectations.BrowsersPrefix, BuiltInExpectations.NoOriginPrefix];

        public Validator() =>
            RuleFor(r => r.Name).Must(n => n is { Length: <= 600 } && !n.Any(char.IsControl)
                    && (n == BuiltInExpectations.ForgedName || Kinds.Any(k => n.StartsWith(k, StringComparison.Ordinal) && n.Length > k.Length)))
                .WithMessage("name must be a built-in expectation's name (builtin:partner:…, builtin:browsers:…, builtin:no-origin:… or builtin:forged-mediatailor); the admin's own are deleted instead.");
    }
}

/// <param name="Changed">false when it already was so (nothing audited).</param>
sealed record Response(string Name, bool Muted, bool Changed);
