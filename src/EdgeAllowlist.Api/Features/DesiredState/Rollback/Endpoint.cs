using EdgeAllowlist.Api.Features.DesiredState.Plan;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Features.DesiredState.Rollback;

sealed class Endpoint(DesiredStateService desiredState) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/desired-state/rollback");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.Produces<StalePlanProblem>(409, "application/problem+json").ProducesProblemDetails(404).ProducesProblemDetails(422));
        Summary(s =>
        {
            s.Summary = "Bring the rules (origins, notes, User-Agent rules, settings) back to how they were right after audit entry toSeq; a plan first (dryRun defaults to true).";
            s.Description = "The rules as of toSeq are rebuilt by undoing every later change recorded in the audit trail. Applied with the same gate as apply (force, expectedPlanDigest). Secrets and partners are not rolled back.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var document = await desiredState.AsOfAsync(req.ToSeq, ct);
        // Keys written outside the service may not be rules this API accepts; say which instead of failing.
        foreach (var failure in new DesiredStateDocument.Validator().Validate(document).Errors)
            AddError(new ValidationFailure(failure.PropertyName, $"as of entry {req.ToSeq}: {failure.ErrorMessage}"));
        ThrowIfAnyErrors(422);
        if (req.DryRun ?? true)
        {
            var plan = await this.PlanOrRejectAsync(desiredState, document, ct);
            await Send.OkAsync(new(req.ToSeq, document, plan.View, null), ct);
            return;
        }
        var result = await desiredState.ApplyAsync(
            document, req.Force ?? false, req.ExpectedPlanDigest, mayCreatePartners: false, HttpContext.ToActor(), AuditActions.DesiredStateRollback, new { toSeq = req.ToSeq }, ct);
        await Send.OkAsync(new(req.ToSeq, document, result.Plan, result), ct);
    }
}

sealed record Request(long ToSeq, bool? DryRun, bool? Force, string? ExpectedPlanDigest)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.ToSeq).GreaterThan(0);
            RuleFor(r => r.ExpectedPlanDigest).Matches("^sha256:[0-9a-f]{64}$").WithMessage("expectedPlanDigest must be a planDigest from a plan.");
        }
    }
}

/// <param name="Document">The rules as of <c>toSeq</c>, in the form export gives.</param>
/// <param name="Applied">Null on a dry run.</param>
sealed record Response(long ToSeq, DesiredStateDocument Document, PlanView Plan, ApplyResult? Applied);
