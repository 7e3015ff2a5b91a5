using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Expectations.Add;

sealed class Endpoint(ExpectationStore expectations, ExpectationChecks checks, StoreWriter writer) : Endpoint<ExpectationDefinition, ExpectationView>
{
    public override void Configure()
    {
        Post("/expectations");
        Permissions(ApiScopes.RulesWrite);
        Summary(s =>
        {
            s.Summary = "Keep a request's outcome: from now on a write that would change it is refused (409) unless forced.";
            s.Description = "request is the body POST /v1/simulate takes (a query after '?' in uri is split off as CloudFront does). A partner secret never belongs here: partner fetches are built-in expectations.";
            s.RequestExamples.Add(new(new
            {
                name = "safari-native-player",
                request = new { method = "GET", uri = "/content/abc123/index.m3u8", headers = new Dictionary<string, string> { ["user-agent"] = "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)" } },
                expect = "pass",
            }, "Native player keeps playing"));
            s.Responses[201] = "Added; holds tells whether the function decides so on the store now.";
            s.Responses[409] = "An expectation of this name exists.";
        });
    }

    public override async Task HandleAsync(ExpectationDefinition req, CancellationToken ct)
    {
        if (!await expectations.AddAsync(req, HttpContext.ToActor(), ct))
            ThrowError(r => r.Name, $"An expectation '{req.Name}' exists already; delete it first to change it.", 409);
        var items = (await writer.GetStateAsync(ct)).Items;
        var evaluated = checks.EvaluateAll(new([req], new Dictionary<string, MutedBuiltIn>()), items).First(e => !e.Expectation.BuiltIn);
        await Send.ResponseAsync(ExpectationView.From(evaluated, req), 201, ct);
    }
}
