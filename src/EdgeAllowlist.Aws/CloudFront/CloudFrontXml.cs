using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace EdgeAllowlist.Aws.CloudFront;

/// <summary>
/// rest-xml bodies of the CloudFront 2020-05-31 model: request roots carry the API namespace, blobs
/// travel as base64, timestamps as ISO 8601. Responses are read by local name so that a missing or
/// different namespace prefix never hides a field.
/// </summary>
static class CloudFrontXml
{
    public static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    /// <param name="importSourceArn">An S3 object in CloudFront's import format (<c>{"data":[{"key":…,"value":…}]}</c>), or null.</param>
    public static byte[] CreateKeyValueStoreRequest(string name, string? comment, string? importSourceArn) =>
        Serialize(new XElement(Ns + "CreateKeyValueStoreRequest",
            new XElement(Ns + "Name", name),
            comment is null ? null : new XElement(Ns + "Comment", comment),
            importSourceArn is null
                ? null
                : new XElement(Ns + "ImportSource", new XElement(Ns + "SourceType", "S3"), new XElement(Ns + "SourceARN", importSourceArn))));

    public static byte[] CreateFunctionRequest(string name, FunctionConfig config, byte[] code) =>
        Serialize(new XElement(Ns + "CreateFunctionRequest",
            new XElement(Ns + "Name", name),
            FunctionConfigElement(config),
            new XElement(Ns + "FunctionCode", Convert.ToBase64String(code))));

    public static byte[] UpdateFunctionRequest(FunctionConfig config, byte[] code) =>
        Serialize(new XElement(Ns + "UpdateFunctionRequest",
            FunctionConfigElement(config),
            new XElement(Ns + "FunctionCode", Convert.ToBase64String(code))));

    public static byte[] TestFunctionRequest(FunctionStage stage, byte[] eventObject) =>
        Serialize(new XElement(Ns + "TestFunctionRequest",
            new XElement(Ns + "Stage", StageName(stage)),
            new XElement(Ns + "EventObject", Convert.ToBase64String(eventObject))));

    public static string StageName(FunctionStage stage) => stage == FunctionStage.Live ? "LIVE" : "DEVELOPMENT";

    public static KeyValueStore ReadKeyValueStore(XElement element) => new(
        Required(element, "Name"),
        Required(element, "Id"),
        Optional(element, "Comment") ?? "",
        Required(element, "ARN"),
        Optional(element, "Status"),
        Timestamp(Required(element, "LastModifiedTime")));

    public static FunctionSummary ReadFunctionSummary(XElement element)
    {
        var metadata = Child(element, "FunctionMetadata") ?? throw Missing("FunctionMetadata");
        var created = Optional(metadata, "CreatedTime");
        return new(
            Required(element, "Name"),
            Optional(element, "Status"),
            ReadFunctionConfig(Child(element, "FunctionConfig") ?? throw Missing("FunctionConfig")),
            new(Required(metadata, "FunctionARN"),
                Optional(metadata, "Stage"),
                created is null ? null : Timestamp(created),
                Timestamp(Required(metadata, "LastModifiedTime"))));
    }

    public static TestResult ReadTestResult(XElement element)
    {
        var summary = Child(element, "FunctionSummary");
        // The log list has no member name in the model, so rest-xml writes each line as <member>.
        var logs = Child(element, "FunctionExecutionLogs")?.Elements().Select(line => line.Value).ToList() ?? [];
        return new(
            summary is null ? null : ReadFunctionSummary(summary),
            Optional(element, "ComputeUtilization"),
            logs,
            Optional(element, "FunctionErrorMessage"),
            Optional(element, "FunctionOutput"));
    }

    public static XElement Parse(byte[] body) =>
        TryParse(body) ?? throw new FormatException("CloudFront answered with a body that is not XML.");

    static XElement? TryParse(byte[] body)
    {
        if (body.Length == 0)
            return null;
        try
        {
            return XDocument.Parse(Encoding.UTF8.GetString(body)).Root;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    static XElement FunctionConfigElement(FunctionConfig config) =>
        new(Ns + "FunctionConfig",
            new XElement(Ns + "Comment", config.Comment),
            new XElement(Ns + "Runtime", config.Runtime),
            // Always sent, even when empty: UpdateFunction replaces the whole config, and an omitted
            // association list drops the store from the function.
            new XElement(Ns + "KeyValueStoreAssociations",
                new XElement(Ns + "Quantity", config.KeyValueStoreArns.Count.ToString(CultureInfo.InvariantCulture)),
                config.KeyValueStoreArns.Count == 0
                    ? null
                    : new XElement(Ns + "Items", config.KeyValueStoreArns.Select(arn =>
                        new XElement(Ns + "KeyValueStoreAssociation", new XElement(Ns + "KeyValueStoreARN", arn))))));

    static FunctionConfig ReadFunctionConfig(XElement element)
    {
        var arns = Child(element, "KeyValueStoreAssociations") is { } associations
            ? Child(associations, "Items")?.Elements()
                .Select(association => Required(association, "KeyValueStoreARN")).ToList() ?? []
            : [];
        return new(Optional(element, "Comment") ?? "", Required(element, "Runtime"), arns);
    }

    /// <summary>The Distribution of an UpdateDistribution answer; its configuration as sent back.</summary>
    public static DistributionResult ReadDistribution(XElement element, string? etag) => new(
        Required(element, "Id"),
        Optional(element, "Status"),
        Child(element, "DistributionConfig") ?? throw Missing("DistributionConfig"),
        etag);

    public static byte[] Serialize(XElement root) => Encoding.UTF8.GetBytes(root.ToString(SaveOptions.DisableFormatting));

    static XElement? Child(XElement element, string localName) =>
        element.Elements().FirstOrDefault(child => child.Name.LocalName == localName);

    static string? Optional(XElement element, string localName) => Child(element, localName)?.Value;

    static string Required(XElement element, string localName) =>
        Optional(element, localName) ?? throw Missing(localName);

    static FormatException Missing(string localName) =>
        new($"CloudFront's answer has no <{localName}> element.");

    static DateTimeOffset Timestamp(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
