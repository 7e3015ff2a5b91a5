using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace EdgeAllowlist.Testing.Fakes;

/// <summary>
/// rest-xml bodies checked against the bundled CloudFront model (<c>Fakes/Models</c>): every element
/// is a member of its shape, in the model's member order, required members are there, scalars parse as
/// their type and enums take their values, and each <c>Quantity</c> counts its <c>Items</c>.
/// </summary>
public static class CloudFrontModel
{
    static readonly JsonObject Shapes = (JsonNode.Parse(File.ReadAllText(
        Path.Combine(RepositoryPaths.Root, "tests", "EdgeAllowlist.Testing", "Fakes", "Models", "cloudfront-2020-05-31.json")))!["shapes"] as JsonObject)!;

    /// <summary>What in <paramref name="element"/> the shape <paramref name="shapeName"/> does not allow, as paths; empty when it conforms.</summary>
    public static IReadOnlyList<string> Problems(string shapeName, XElement element)
    {
        var problems = new List<string>();
        Check(shapeName, element, element.Name.LocalName, problems);
        return problems;
    }

    static void Check(string shapeName, XElement element, string path, List<string> problems)
    {
        var shape = Shapes[shapeName]!.AsObject();
        switch (shape["type"]!.GetValue<string>())
        {
            case "structure":
                var members = shape["members"]!.AsObject().Select((m, i) => (Name: m.Value!["locationName"]?.GetValue<string>() ?? m.Key, Shape: m.Value!["shape"]!.GetValue<string>(), Index: i)).ToList();
                var last = -1;
                foreach (var child in element.Elements())
                {
                    var member = members.FirstOrDefault(m => m.Name == child.Name.LocalName);
                    if (member.Name is null)
                    {
                        problems.Add($"{path}/{child.Name.LocalName}: not a member of {shapeName}");
                        continue;
                    }
                    if (member.Index < last)
                        problems.Add($"{path}/{child.Name.LocalName}: out of the model's member order");
                    last = member.Index;
                    Check(member.Shape, child, $"{path}/{child.Name.LocalName}", problems);
                }
                foreach (var required in shape["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                    if (element.Elements().All(e => e.Name.LocalName != required))
                        problems.Add($"{path}: required {required} is missing");
                if (element.Elements().FirstOrDefault(e => e.Name.LocalName == "Quantity") is { } quantity && members.Any(m => m.Name == "Items"))
                {
                    var count = element.Elements().FirstOrDefault(e => e.Name.LocalName == "Items")?.Elements().Count() ?? 0;
                    if (quantity.Value != count.ToString(CultureInfo.InvariantCulture))
                        problems.Add($"{path}/Quantity: {quantity.Value}, but Items holds {count}");
                }
                break;
            case "list":
                var item = shape["member"]!.AsObject();
                var itemName = item["locationName"]?.GetValue<string>() ?? "member";
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName != itemName)
                        problems.Add($"{path}/{child.Name.LocalName}: a {shapeName} holds <{itemName}> elements");
                    else
                        Check(item["shape"]!.GetValue<string>(), child, $"{path}/{itemName}", problems);
                }
                break;
            case "integer" or "long" when !long.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                problems.Add($"{path}: '{element.Value}' is not an integer");
                break;
            case "boolean" when element.Value is not ("true" or "false"):
                problems.Add($"{path}: '{element.Value}' is not true or false");
                break;
            case "string" when shape["enum"] is JsonArray values && values.All(v => v!.GetValue<string>() != element.Value):
                problems.Add($"{path}: '{element.Value}' is not one of {string.Join(", ", values)}");
                break;
        }
    }
}
