namespace EdgeAllowlist.Rules;

/// <summary>
/// One problem with one field, as a request or document spells it (<c>origins[3].origin</c>): the
/// rules' checks return these, and the API's validators and the CLI report them unchanged, so each
/// rule and its message are written once.
/// </summary>
public sealed record FieldError(string Field, string Message)
{
    /// <summary>The same problem seen from the object that holds this one: <c>pattern</c> under <c>userAgents[2]</c>.</summary>
    public FieldError Under(string parent) => this with { Field = parent.Length == 0 ? Field : Field.Length == 0 ? parent : $"{parent}.{Field}" };
}

/// <summary>
/// A change the rules refuse as a whole rather than one field's value: more User-Agent rules than the
/// function reads, a policy over the store's value quota. <see cref="Field"/> names what to change.
/// </summary>
public sealed class RuleViolationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
