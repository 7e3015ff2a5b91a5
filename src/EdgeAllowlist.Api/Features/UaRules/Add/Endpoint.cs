using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Features.UaRules.Add;

sealed class Endpoint(UaRuleSet rules) : Endpoint<Request, UaRule>
{
    public override void Configure()
    {
        Post("/ua-rules");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ClearDefaultProduces(200).Produces<UaRule>(201, "application/json").ProducesProblemDetails(422));
        Summary(s => s.Summary = "Add a User-Agent pattern to the allow or deny list: a substring, or a JavaScript regex (case-insensitive) checked for catastrophic backtracking.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var rule = rules.NewRule(req.List, req.Kind, req.Pattern, HttpContext.User.Identity?.Name ?? "");
        try
        {
            await rules.ChangeAsync(rule, null, HttpContext.ToActor(), ct);
        }
        catch (MutationRejectedException e)
        {
            ThrowError(new ValidationFailure(e.Field, e.Message), e.StatusCode);
        }
        await Send.ResponseAsync(rule, 201, ct);
    }
}

sealed record Request(string List, string Kind, string Pattern)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.List).Must(l => UaRuleSet.Lists.Contains(l)).WithMessage("list must be 'allow' or 'deny'.");
            RuleFor(r => r.Kind).Must(k => UaRuleSet.Kinds.Contains(k)).WithMessage("kind must be 'substring' or 'regex'.");
            RuleFor(r => r.Pattern).Cascade(CascadeMode.Stop)
                .NotEmpty().MaximumLength(400)
                .Must(p => !p.Any(char.IsControl)).WithMessage("pattern must not contain control characters.")
                .Must((request, pattern, context) =>
                {
                    if (request.Kind != "regex" || UaPatternGuard.Problem(pattern) is not { } problem)
                        return true;
                    context.MessageFormatter.AppendArgument("Problem", problem);
                    return false;
                }).WithMessage("pattern {Problem}");
        }
    }
}
