using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Expectations.List;

sealed class Endpoint(ExpectationStore expectations, ExpectationChecks checks, StoreWriter writer) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/expectations");
        Permissions(ApiScopes.RulesRead);
        Summary(s =>
        {
            s.Summary = "The expectations every write is checked against: the admin's own and the built-in ones derived from the rules, each run through the function on the store now.";
            s.Description = "Built-in browser expectations are listed for a sample of the allowed origins; a write also checks every origin it touches. A muted built-in is listed and not checked.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var set = await expectations.ReadAsync(ct);
        var items = (await writer.GetStateAsync(ct)).Items;
        var defined = set.Defined.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var views = checks.EvaluateAll(set, items).Select(e => ExpectationView.From(e, e.Expectation.BuiltIn ? null : defined[e.Expectation.Name])).ToList();
        await Send.OkAsync(new(views, views.Count(v => !v.Holds && !v.Muted)), ct);
    }
}

/// <param name="Failing">How many of the checked (not muted) expectations fail now.</param>
sealed record Response(IReadOnlyList<ExpectationView> Items, int Failing);
