using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.Api.Features.UserAgents.Add;

sealed class Endpoint(StoreWriter writer) : Endpoint<Request, UserAgentRule>
{
    public override void Configure()
    {
        Post("/user-agents");
        Permissions(ApiScopes.RulesWrite);
        Summary(s =>
        {
            s.Summary = "Add an allow or deny User-Agent rule: contains (the default), prefix, exact, or a wildcard pattern with '*'; case-insensitive; idempotent.";
            s.RequestExamples.Add(new(new { list = "allow", kind = "contains", pattern = "AppleCoreMedia/" }, "Safari's native HLS player"));
            s.RequestExamples.Add(new(new { list = "deny", kind = "prefix", pattern = "curl/" }, "Deny curl"));
            s.Description = UserAgentRules.Semantics + " Rules are matched with string operations, never as regexes: kind regex is retired, converted when it has an exact equivalent "
                + "and otherwise refused with 400 naming pattern and suggesting the nearest wildcard form (substring is accepted as contains). "
                + $"Refused with 400 beyond {UserAgentMatcher.MaxRulesPerList} rules per list, {UserAgentMatcher.MaxWildcards} '*' per rule, or the 8 shards of 1 KB the function reads.";
            s.Responses[201] = "Added.";
            s.Responses[200] = "Already present.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var rule = req.Rule();
        var outcome = await writer.SubmitAsync(HttpContext.ToActor(), state => UserAgentRules.Plan(state,
            rules => rules.Any(r => r.Id == rule.Id) ? rules : [.. rules, rule], AuditActions.UserAgentAdd), ct);
        // Read back for its shard; a delete that raced in after this add leaves only what was asked for.
        var stored = UserAgentRules.Read((await writer.GetStateAsync(ct)).Items).FirstOrDefault(r => r.Id == rule.Id) ?? rule;
        await Send.ResponseAsync(stored, outcome.Entries.Count > 0 ? 201 : 200, ct);
    }
}

/// <param name="Kind">contains (default), prefix, exact or wildcard; substring is contains, and a regex is converted when it has an exact equivalent.</param>
sealed record Request(string List, string? Kind, string Pattern)
{
    /// <summary>The rule as stored (validated first): a regex as the glob it equals.</summary>
    public UserAgentRule Rule() => UserAgentRule.FromGlob(List, UserAgentRuleRules.Glob(Kind, Pattern), -1);

    /// <summary>The rules of EdgeAllowlist.Rules.UserAgents.UserAgentRuleRules, which a desired-state document's rules pass too.</summary>
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Pattern).DocumentedAsNotEmpty();
            this.ReportedBy(r => UserAgentRuleRules.Check(r.List, r.Kind, r.Pattern));
        }
    }
}
