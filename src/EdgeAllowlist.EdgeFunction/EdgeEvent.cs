using System.Text.Json.Nodes;

namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// Builds viewer-request events in CloudFront's shape (platform-facts §5.1): lowercase header names,
/// each header and cookie as <c>{"value":…}</c>, <c>multiValue</c> only when a name repeats, and a
/// <c>querystring</c> that is always present.
/// </summary>
public static class EdgeEvent
{
    public static JsonObject ViewerRequest(
        string uri,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        string method = "GET",
        string? query = null,
        string viewerIp = "198.51.100.11") => new()
    {
        ["version"] = "1.0",
        ["context"] = new JsonObject
        {
            ["distributionDomainName"] = "d111111abcdef8.cloudfront.net",
            ["distributionId"] = "EDFDVBD6EXAMPLE",
            ["eventType"] = "viewer-request",
            ["requestId"] = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        },
        ["viewer"] = new JsonObject { ["ip"] = viewerIp },
        ["request"] = new JsonObject
        {
            ["method"] = method,
            ["uri"] = uri,
            ["querystring"] = Group(ParseQuery(query)),
            ["headers"] = Group((headers ?? []).Where(h => !h.Key.Equals("cookie", StringComparison.OrdinalIgnoreCase))
                .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), h.Value))),
            ["cookies"] = Group((headers ?? []).Where(h => h.Key.Equals("cookie", StringComparison.OrdinalIgnoreCase))
                .SelectMany(h => ParseCookies(h.Value))),
        },
    };

    static JsonObject Group(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var result = new JsonObject();
        foreach (var group in pairs.GroupBy(p => p.Key, StringComparer.Ordinal))
        {
            var values = group.Select(p => p.Value).ToList();
            var entry = new JsonObject { ["value"] = values[0] };
            if (values.Count > 1) entry["multiValue"] = new JsonArray(values.Select(v => (JsonNode)new JsonObject { ["value"] = v }).ToArray());
            result[group.Key] = entry;
        }
        return result;
    }

    static IEnumerable<KeyValuePair<string, string>> ParseQuery(string? query) =>
        string.IsNullOrEmpty(query)
            ? []
            : query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(part =>
            {
                var eq = part.IndexOf('=');
                return eq < 0 ? KeyValuePair.Create(part, "") : KeyValuePair.Create(part[..eq], part[(eq + 1)..]);
            });

    static IEnumerable<KeyValuePair<string, string>> ParseCookies(string header) =>
        header.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
        {
            var eq = part.IndexOf('=');
            return eq < 0 ? KeyValuePair.Create(part, "") : KeyValuePair.Create(part[..eq], part[(eq + 1)..]);
        });
}
