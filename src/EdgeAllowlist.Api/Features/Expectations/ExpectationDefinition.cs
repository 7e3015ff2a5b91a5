using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Rules.Expectations;
using ProbeRequest = EdgeAllowlist.Api.Features.Simulate.Run.Request;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// An admin's expectation as the API, the database and the desired-state file hold it: a name, the
/// request exactly as <c>POST /v1/simulate</c> takes it (so a simulated request is kept as it is),
/// and the outcome it must keep: <c>pass</c>, or <c>deny</c> with an optional reason code.
/// </summary>
sealed record ExpectationDefinition(string Name, ProbeRequest Request, string Expect, string? Reason = null)
{
    public const string NamePattern = ExpectationRules.NamePattern;

    public Expectation ToExpectation() =>
        new(Name, Expect, Reason, [new(Request.Method.ToUpperInvariant(), Request.Uri, Request.Query, Request.Headers ?? [], Request.At)], false,
            $"{Request.Method.ToUpperInvariant()} {Request.Uri}{(string.IsNullOrEmpty(Request.Query) ? "" : "?" + Request.Query)}");

    /// <summary>The simulator's own rules for the request, so an expectation accepts exactly what simulate accepts; errors name e.g. <c>request.uri</c>.</summary>
    internal sealed class Validator : Validator<ExpectationDefinition>
    {
        public Validator()
        {
            RuleFor(d => d.Name).DocumentedAsNotEmpty().DocumentedPattern(ExpectationRules.NamePattern);
            RuleFor(d => d.Request).DocumentedAsRequired();
            RuleFor(d => d.Reason).DocumentedPattern(ExpectationRules.ReasonPattern);
            this.ReportedBy(d => ExpectationRules.Check(d.Name, d.Request?.ToRules(), d.Expect, d.Reason));
        }
    }
}
