using EdgeAllowlist.Rules;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Infrastructure.Http;

/// <summary>The rules' field errors (EdgeAllowlist.Rules) reported by a FastEndpoints validator, as the API's 400 names them.</summary>
static class RuleErrors
{
    /// <summary>Runs <paramref name="check"/> on the whole request and reports each problem on its field (<c>request.uri</c>).</summary>
    public static void ReportedBy<T>(this Validator<T> validator, Func<T, IEnumerable<FieldError>> check) where T : notnull =>
        validator.RuleFor(request => request).Custom((request, context) =>
        {
            foreach (var error in check(request))
                context.AddFailure(new ValidationFailure(error.Field, error.Message));
        });

    public static ValidationFailure ToFailure(this FieldError error) => new(error.Field, error.Message);
}
