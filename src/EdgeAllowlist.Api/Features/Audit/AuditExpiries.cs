using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Api.Features.Audit;

/// <summary>
/// Expiries as people read them. The store's values hold them as <c>exp</c>, Unix seconds (origins,
/// secrets, User-Agent rules; 0 is no expiry), and the trail keeps and hashes those values as stored;
/// only what is shown (the CSV export, the console) gets ISO 8601 UTC.
/// </summary>
static class AuditExpiries
{
    public const string Member = "exp";

    /// <summary><c>2026-12-08T10:00:00Z</c>; null for 0 (no expiry) or a number no date holds.</summary>
    public static string? Iso(long seconds) =>
        seconds is > 0 and <= 253_402_300_799 // 9999-12-31T23:59:59Z, the last second DateTimeOffset holds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// The JSON with every <c>exp</c> member (at any depth) that is a date written as ISO 8601 UTC instead
    /// of seconds; the text as given when it has none, or is no JSON.
    /// </summary>
    public static string? Readable(string? json)
    {
        if (json is null || !json.Contains($"\"{Member}\"", StringComparison.Ordinal))
            return json;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return json;
        }
        return Rewrite(root) ? root!.ToJsonString(Relaxed) : json;
    }

    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static bool Rewrite(JsonNode? node)
    {
        var changed = false;
        if (node is JsonObject obj)
        {
            foreach (var (name, child) in obj.ToList())
            {
                if (name == Member && child is JsonValue value && value.TryGetValue<long>(out var seconds) && Iso(seconds) is { } iso)
                {
                    obj[name] = iso;
                    changed = true;
                }
                else
                    changed |= Rewrite(child);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
                changed |= Rewrite(child);
        }
        return changed;
    }
}
