using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.UserAgents.Add;

sealed class Endpoint(StoreWriter writer) : Endpoint<Request, UserAgentRule>
{
    public override void Configure()
    {
        Post("/user-agents");
        Permissions(ApiScopes.RulesWrite);
        Summary(s =>
        {
            s.Summary = "Add an allow or deny User-Agent pattern (case-insensitive substring or JavaScript regex); idempotent.";
            s.RequestExamples.Add(new(new { list = "allow", kind = "substring", pattern = "AppleCoreMedia/" }, "Safari's native HLS player"));
            s.RequestExamples.Add(new(new { list = "deny", kind = "regex", pattern = "^curl/" }, "Deny curl"));
            s.Description = "A regex is accepted only from a subset that matches in linear time on a backtracking engine (README, User-Agent rules); anything else is refused with 400 naming pattern and the construct. Refused with 400 when the rules would not fit the 8 shards of 1 KB the function reads.";
            s.Responses[201] = "Added.";
            s.Responses[200] = "Already present.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var regex = req.Regex;
        var id = UserAgentRule.IdOf(req.List, regex);
        var outcome = await writer.SubmitAsync(HttpContext.ToActor(), state => UserAgentRules.Plan(state,
            rules => rules.Any(r => r.Id == id) ? rules : [.. rules, UserAgentRule.From(req.List, regex, -1)], AuditActions.UserAgentAdd), ct);
        // Read back for its shard; a delete that raced in after this add leaves only what was asked for.
        var rule = UserAgentRules.Read((await writer.GetStateAsync(ct)).Items).FirstOrDefault(r => r.Id == id) ?? UserAgentRule.From(req.List, regex, -1);
        await Send.ResponseAsync(rule, outcome.Entries.Count > 0 ? 201 : 200, ct);
    }
}

sealed record Request(string List, string Kind, string Pattern)
{
    /// <summary>The source the shard holds: a substring escaped, a regex compiled to its linear-time form.</summary>
    public string Regex => Kind == UserAgentRule.Substring ? PatternGuard.Escape(Pattern) : PatternGuard.Compile(Pattern);

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.List).Must(l => l is UserAgentRule.Allow or UserAgentRule.Deny).WithMessage("list must be 'allow' or 'deny'.");
            RuleFor(r => r.Kind).Must(k => k is UserAgentRule.Substring or UserAgentRule.RegexKind).WithMessage("kind must be 'substring' or 'regex'.");
            RuleFor(r => r.Pattern).NotEmpty().MaximumLength(PatternGuard.MaxPatternLength)
                .Must(p => p is null || !p.Any(char.IsControl)).WithMessage("pattern must not contain control characters.");
            RuleFor(r => r.Pattern).Must((request, _, context) =>
                {
                    if (request.Kind is not (UserAgentRule.Substring or UserAgentRule.RegexKind) || request.List is not (UserAgentRule.Allow or UserAgentRule.Deny))
                        return true;
                    var problem = KvsLimits.ByteCount(UserAgentRules.SingleShard(request.List, request.Regex)) > KvsLimits.MaxValueBytes
                        ? $"does not fit one {KvsLimits.MaxValueBytes}-byte shard; shorten it."
                        : request.Kind == UserAgentRule.RegexKind ? PatternGuard.Check(request.Pattern) : null;
                    if (problem is null)
                        return true;
                    context.MessageFormatter.AppendArgument("Problem", problem);
                    return false;
                })
                .When(r => !string.IsNullOrEmpty(r.Pattern) && r.Pattern.Length <= PatternGuard.MaxPatternLength && !r.Pattern.Any(char.IsControl))
                .WithMessage("pattern {Problem}");
        }
    }
}
