using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeAllowlist.Audit;

/// <summary>Outcomes recorded in the trail.</summary>
public static class AuditOutcome
{
    public const string Success = "success";
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string Rejected = "rejected";
    public const string Detected = "detected";
}

/// <summary>What a caller asks to record; the trail adds sequence, time and the chain hashes.</summary>
public sealed record AuditRecord(
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string? Before = null,
    string? After = null,
    string? RequestId = null,
    string? Client = null,
    string? ETagBefore = null,
    string? ETagAfter = null,
    string? Detail = null);

/// <summary>One row of the append-only, hash-chained trail.</summary>
public sealed record AuditEntry(
    long Seq,
    DateTimeOffset Time,
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string? Before,
    string? After,
    string? RequestId,
    string? Client,
    string? ETagBefore,
    string? ETagAfter,
    string? Detail,
    string PrevHash,
    string Hash)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// SHA-256 over a JSON array of every field but the hash itself, in a fixed order, with the time
    /// as Unix milliseconds: no property order, whitespace or culture can change it.
    /// </summary>
    public static string ComputeHash(long seq, long unixMilliseconds, AuditRecord record, string prevHash)
    {
        var canonical = JsonSerializer.Serialize<object?[]>(
        [
            seq, unixMilliseconds, record.Actor, record.Action, record.Target, record.Outcome, record.Before, record.After,
            record.RequestId, record.Client, record.ETagBefore, record.ETagAfter, record.Detail, prevHash,
        ]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public AuditRecord ToRecord() => new(Actor, Action, Target, Outcome, Before, After, RequestId, Client, ETagBefore, ETagAfter, Detail);
}
