using System.Globalization;
using System.Xml.Linq;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>Attaching would replace another function on viewer-request; the user has to say so.</summary>
public sealed class AssociationConflictException(string message) : Exception(message);

/// <summary>
/// What attaching changed: the behaviour (<c>*</c> is the default one), the function that held
/// viewer-request before (null: none), and whether anything changed at all.
/// </summary>
public sealed record AttachEdit(XElement DistributionConfig, string PathPattern, string? Previous, bool Changed);

/// <summary>
/// Adds the viewer-request function association to one cache behaviour of a DistributionConfig (rest-xml,
/// CloudFront 2020-05-31). The configuration is edited in place on a copy, so every other element,
/// known to this tool or not, goes back to CloudFront exactly as it came.
/// </summary>
public static class ViewerRequestAssociation
{
    public const string EventType = "viewer-request";

    /// <summary>The default cache behaviour's pattern, as the console shows it.</summary>
    public const string DefaultPathPattern = "*";

    // CacheBehavior and DefaultCacheBehavior members after FunctionAssociations, in the model's order:
    // the XML is read in order, so a new FunctionAssociations goes before the first of these.
    static readonly string[] MembersAfterFunctionAssociations =
    [
        "FieldLevelEncryptionId", "RealtimeLogConfigArn", "CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId",
        "GrpcConfig", "ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL",
    ];

    /// <exception cref="AssociationConflictException">Another function holds viewer-request and <paramref name="replace"/> is false.</exception>
    /// <exception cref="ArgumentException">No cache behaviour has <paramref name="pathPattern"/>.</exception>
    public static AttachEdit Attach(XElement distributionConfig, string pathPattern, string functionArn, bool replace)
    {
        var config = new XElement(distributionConfig);
        var ns = config.Name.Namespace;
        var behavior = Behavior(config, pathPattern);

        var associations = Child(behavior, "FunctionAssociations");
        if (associations is null)
        {
            associations = new XElement(ns + "FunctionAssociations", new XElement(ns + "Quantity", "0"));
            if (behavior.Elements().FirstOrDefault(e => MembersAfterFunctionAssociations.Contains(e.Name.LocalName)) is { } next)
                next.AddBeforeSelf(associations);
            else
                behavior.Add(associations);
        }
        var items = Child(associations, "Items");
        var existing = items?.Elements().FirstOrDefault(a => Child(a, "EventType")?.Value == EventType);
        var previous = existing is null ? null : Child(existing, "FunctionARN")?.Value;
        if (previous == functionArn)
            return new(distributionConfig, pathPattern, previous, false);
        if (previous is not null && !replace)
            throw new AssociationConflictException(
                $"The cache behaviour {pathPattern} runs {previous} on {EventType}; a behaviour has one function per event type.");

        var association = new XElement(ns + "FunctionAssociation",
            new XElement(ns + "FunctionARN", functionArn),
            new XElement(ns + "EventType", EventType));
        if (items is null)
        {
            items = new XElement(ns + "Items");
            associations.Add(items);
        }
        if (existing is not null)
            existing.ReplaceWith(association);
        else
            items.Add(association);
        (Child(associations, "Quantity") ?? throw new FormatException("FunctionAssociations has no Quantity."))
            .Value = items.Elements().Count().ToString(CultureInfo.InvariantCulture);
        return new(config, pathPattern, previous, true);
    }

    /// <summary>The function ARN on viewer-request of the behaviour, or null.</summary>
    public static string? Current(XElement distributionConfig, string pathPattern) =>
        Child(Behavior(distributionConfig, pathPattern), "FunctionAssociations") is { } associations
            ? Child(associations, "Items")?.Elements()
                .Where(a => Child(a, "EventType")?.Value == EventType)
                .Select(a => Child(a, "FunctionARN")?.Value)
                .FirstOrDefault()
            : null;

    /// <summary>The path patterns of the configuration's behaviours, the default one as <c>*</c>.</summary>
    public static IReadOnlyList<string> PathPatterns(XElement distributionConfig) =>
        [DefaultPathPattern, .. CacheBehaviors(distributionConfig).Select(b => Child(b, "PathPattern")?.Value ?? "")];

    static XElement Behavior(XElement config, string pathPattern)
    {
        if (pathPattern == DefaultPathPattern)
            return Child(config, "DefaultCacheBehavior") ?? throw new FormatException("The DistributionConfig has no DefaultCacheBehavior.");
        return CacheBehaviors(config).FirstOrDefault(b => Child(b, "PathPattern")?.Value == pathPattern)
            ?? throw new ArgumentException(
                $"The distribution has no cache behaviour with path pattern {pathPattern}; it has {string.Join(", ", PathPatterns(config))}.");
    }

    static IEnumerable<XElement> CacheBehaviors(XElement config) =>
        Child(config, "CacheBehaviors") is { } behaviors && Child(behaviors, "Items") is { } items ? items.Elements() : [];

    static XElement? Child(XElement element, string localName) =>
        element.Elements().FirstOrDefault(child => child.Name.LocalName == localName);
}
