using System.Text.RegularExpressions;

namespace EdgeAllowlist.Rules.Partners;

/// <summary>The field rules of a partner (<c>POST /v1/partners</c>, a document's <c>partners</c>, the routes that name one).</summary>
public static partial class PartnerRules
{
    public const string ScopeManifests = "manifests";
    public const string ScopeAll = "all";
    public const string IdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";
    public const int MaxDescriptionLength = 200;

    [GeneratedRegex(IdPattern)]
    private static partial Regex Id();

    /// <summary>A partner id's problems, named as the field is shown (<c>Id</c>, <c>Partner</c>): empty, then not an id (both for "").</summary>
    public static IEnumerable<string> IdProblems(string? id, string name)
    {
        // The wording FluentValidation gives NotEmpty, which the API answered with before this rule moved here.
        if (string.IsNullOrEmpty(id))
            yield return $"'{name}' must not be empty.";
        if (id is not null && !Id().IsMatch(id))
            yield return $"{name} must be a partner id: 1 to 63 lowercase letters, digits or '-', starting with a letter or digit.";
    }

    public static IEnumerable<FieldError> Check(string? id, string? scope, string? description)
    {
        foreach (var problem in IdProblems(id, "Id"))
            yield return new("id", problem);
        if (scope is not (ScopeManifests or ScopeAll))
            yield return new("scope", "scope must be 'manifests' (template manifests and slate MP4s only) or 'all' (any path).");
        if (description is not null && (description.Length > MaxDescriptionLength || description.Any(char.IsControl)))
            yield return new("description", "description must be at most 200 characters without control characters.");
    }
}
