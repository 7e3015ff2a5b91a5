namespace EdgeAllowlist.Api.Features.Origins;

/// <summary>
/// Routes that name one origin take it as the rest of the path, as typed or percent-encoded:
/// <c>/v1/origins/https://www.example.com</c> and <c>/v1/origins/https%3A%2F%2Fwww.example.com</c> are the same.
/// </summary>
class OriginRoute
{
    /// <summary>The origin, e.g. https://www.example.com.</summary>
    public string Origin { get; init; } = "";

    public string Normalized => OriginRules.Normalize(Uri.UnescapeDataString(Origin));

    internal static void AddRules<T>(AbstractValidator<T> validator) where T : OriginRoute =>
        validator.RuleFor(r => Uri.UnescapeDataString(r.Origin)).ValidOrigin().OverridePropertyName("origin");
}
