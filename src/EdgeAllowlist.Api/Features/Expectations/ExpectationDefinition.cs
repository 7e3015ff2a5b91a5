using ProbeRequest = EdgeAllowlist.Api.Features.Simulate.Run.Request;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// An admin's expectation as the API, the database and the desired-state file hold it: a name, the
/// request exactly as <c>POST /v1/simulate</c> takes it (so a simulated request is kept as it is),
/// and the outcome it must keep: <c>pass</c>, or <c>deny</c> with an optional reason code.
/// </summary>
sealed record ExpectationDefinition(string Name, ProbeRequest Request, string Expect, string? Reason = null)
{
    public const string NamePattern = "^[a-z0-9][a-z0-9._-]{0,99}$";

    public Expectation ToExpectation() =>
        new(Name, Expect, Reason, [new(Request.Method.ToUpperInvariant(), Request.Uri, Request.Query, Request.Headers ?? [], Request.At)], false,
            $"{Request.Method.ToUpperInvariant()} {Request.Uri}{(string.IsNullOrEmpty(Request.Query) ? "" : "?" + Request.Query)}");

    /// <summary>The simulator's own rules for the request, so an expectation accepts exactly what simulate accepts; errors name e.g. <c>request.uri</c>.</summary>
    internal sealed class Validator : Validator<ExpectationDefinition>
    {
        public Validator()
        {
            RuleFor(d => d.Name).NotEmpty().Matches(NamePattern)
                .WithMessage("name must be 1 to 100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
            RuleFor(d => d.Request).NotNull().WithMessage("request is required: the request as POST /v1/simulate takes it.")
                .SetValidator(new ProbeRequest.Validator());
            RuleFor(d => d.Expect).Must(e => e is Expectation.Pass or Expectation.Deny).WithMessage("expect must be pass or deny.");
            RuleFor(d => d.Reason).Null().When(d => d.Expect == Expectation.Pass).WithMessage("reason is only for expect deny.");
            RuleFor(d => d.Reason).Matches("^[a-z][a-z-]{0,39}$").When(d => d.Reason is not null)
                .WithMessage("reason must be a reason code such as ua-not-allowed.");
        }
    }
}
