using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>One key of an intent, with everything its audit entry needs.</summary>
public sealed record IntentWrite(string Key, string? Value, string? Before, string Actor, string Action, string Target, string? RequestId, string? Client);

/// <summary>
/// A chunk the writer is about to send with <c>If-Match: ETagBefore</c>, committed to the journal
/// (<see cref="MirrorRepository.RecordIntentAsync"/>) before the UpdateKeys call. If the process
/// dies or the call goes unanswered, the store may hold the change while the audit trail does not;
/// recovery then finds these writes in the store and audits them for the requester instead of as an
/// anonymous external change. Only one UpdateKeys can succeed from a given ETag, so once the store
/// has moved past <see cref="ETagBefore"/> an intent either is in the store now or never will be.
/// </summary>
public sealed record WriteIntent(string Id, string ETagBefore, IReadOnlyList<IntentWrite> Writes)
{
    public const string RecoveryDetail = "completed by recovery: the store applied this change but its answer was lost";

    /// <summary>What the audit key signs when the intent is journalled: a row written into the database by anyone else does not verify, and is never audited under the name it claims.</summary>
    public byte[] Digest() =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize<object[]>(["edge-allowlist/write-intent/1", Id, ETagBefore, JsonSerializer.Serialize(Writes)])));

    public const string ForgedDetail = "a write-journal row claimed this change for {0}, but the row's signature does not verify: audited as an external change";

    /// <summary>True when every key of the intent holds the intended value in <paramref name="items"/>.</summary>
    public bool IsIn(IReadOnlyDictionary<string, string> items) => Writes.All(w => items.GetValueOrDefault(w.Key) == w.Value);
}
