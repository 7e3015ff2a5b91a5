using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Audit;

/// <summary>
/// Verifies an NDJSON export (<c>GET /v1/audit/export</c> without filters) with the public key
/// alone, no API and no database, the way <c>aws cloudtrail validate-logs</c> checks a trail: the
/// same checks as the service (<see cref="AuditChainVerifier"/>) but the age of the newest checkpoint,
/// which depends on when the export was taken.
/// </summary>
public static class AuditExportVerifier
{
    public static async Task<AuditVerification> VerifyAsync(Stream export, AuditPublicKey key, CancellationToken cancellationToken)
    {
        var checkpoints = new List<AuditCheckpoint>();
        var entries = new List<AuditEntry>();
        using var reader = new StreamReader(export);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (line.Length == 0)
                continue;
            JsonObject json;
            try
            {
                json = JsonNode.Parse(line)?.AsObject() ?? throw new FormatException($"line {number} is not a JSON object");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new FormatException($"line {number} is not a JSON object: {e.Message}", e);
            }
            try
            {
                if (json["checkpoint"] is JsonObject checkpoint)
                    checkpoints.Add(checkpoint.Deserialize<AuditCheckpoint>(JsonSerializerOptions.Web) ?? throw new FormatException($"line {number}: an empty checkpoint"));
                else
                    entries.Add(Entry(json));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
            {
                throw new FormatException($"line {number} is neither an audit entry nor a checkpoint: {e.Message}", e);
            }
        }
        return await AuditChainVerifier.VerifyAsync(Stream(entries), [.. checkpoints.OrderBy(c => c.Id)], key, now: null, TimeSpan.Zero, published: null, DateTimeOffset.UtcNow, cancellationToken);
    }

    /// <summary>An entry as <c>AuditEntryView</c> wrote it (camelCase, time as ISO 8601).</summary>
    static AuditEntry Entry(JsonObject e)
    {
        string? Text(string name) => e[name]?.GetValue<string>();
        string Required(string name) => Text(name) ?? throw new FormatException($"{name} is missing");
        return new(
            e["seq"]!.GetValue<long>(), e["time"]!.GetValue<DateTimeOffset>(), Required("actor"), Required("action"), Required("target"), Required("outcome"),
            Text("before"), Text("after"), Text("requestId"), Text("client"), Text("eTagBefore"), Text("eTagAfter"), Text("detail"), Required("prevHash"), Required("hash"));
    }

    static async IAsyncEnumerable<AuditEntry> Stream(IEnumerable<AuditEntry> entries, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var entry in entries.OrderBy(e => e.Seq))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }
        await Task.CompletedTask;
    }
}
