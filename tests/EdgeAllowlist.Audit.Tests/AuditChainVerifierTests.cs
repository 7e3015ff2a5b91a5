using System.Security.Cryptography;
using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Audit.Tests;

/// <summary>
/// The trail's format and its offline verification (what <c>audit verify --file</c> runs on an
/// export), on entries built here: an intact chain with a signed checkpoint verifies, and each kind of
/// tampering is named at the entry it touched. The service's own trail is checked over HTTP in the API tests.
/// </summary>
public sealed class AuditChainVerifierTests : IDisposable
{
    static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_000);

    readonly ECDsa signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    AuditPublicKey Key => new(signingKey.ExportSubjectPublicKeyInfo());

    public void Dispose() => signingKey.Dispose();

    [Fact]
    public async Task An_intact_chain_with_its_signed_checkpoint_verifies()
    {
        var entries = Chain(3);

        var result = await VerifyAsync(entries, [await CheckpointAsync(entries[^1])]);

        result.Problems.ShouldBeEmpty();
        result.Valid.ShouldBeTrue();
        result.Entries.ShouldBe(3);
        result.SignedThrough.ShouldBe(3);
    }

    [Fact]
    public async Task An_edited_entry_is_altered_at_its_seq()
    {
        var entries = Chain(3);
        entries[1] = entries[1] with { Target = "https://attacker.example" };

        var result = await VerifyAsync(entries, []);

        result.Valid.ShouldBeFalse();
        result.Problems.ShouldHaveSingleItem().ShouldSatisfyAllConditions(p => p.Kind.ShouldBe("altered"), p => p.Seq.ShouldBe(2));
    }

    [Fact]
    public async Task Entries_rewritten_and_rehashed_after_a_checkpoint_are_recomputed()
    {
        var entries = Chain(3);
        var checkpoint = await CheckpointAsync(entries[^1]);
        // Whoever can write the database can rewrite an entry and every hash after it, but cannot sign.
        var rewritten = Chain(3, target: n => n == 2 ? "https://attacker.example" : null);

        var result = await VerifyAsync(rewritten, [checkpoint]);

        result.Valid.ShouldBeFalse();
        result.Problems.ShouldHaveSingleItem().ShouldSatisfyAllConditions(p => p.Kind.ShouldBe("recomputed"), p => p.Seq.ShouldBe(3));
    }

    [Fact]
    public async Task A_removed_entry_is_missing_and_the_next_one_relinked()
    {
        var entries = Chain(3);
        entries.RemoveAt(1);

        var result = await VerifyAsync(entries, []);

        result.Problems.Select(p => (p.Kind, p.Seq)).ShouldBe([("missing", 2L), ("relinked", 3L)]);
    }

    static List<AuditEntry> Chain(int count, Func<long, string?>? target = null)
    {
        var entries = new List<AuditEntry>();
        var prev = AuditEntry.GenesisHash;
        for (var seq = 1L; seq <= count; seq++)
        {
            var record = new AuditRecord("admin", "origin.add", target?.Invoke(seq) ?? $"https://site{seq}.example", AuditOutcome.Success, After: "{}", RequestId: $"req-{seq}");
            var time = Start.AddSeconds(seq);
            var hash = AuditEntry.ComputeHash(seq, time.ToUnixTimeMilliseconds(), record, prev);
            entries.Add(new(seq, time, record.Actor, record.Action, record.Target, record.Outcome, record.Before, record.After, record.RequestId,
                record.Client, record.ETagBefore, record.ETagAfter, record.Detail, prev, hash));
            prev = hash;
        }
        return entries;
    }

    Task<AuditCheckpoint> CheckpointAsync(AuditEntry head) =>
        AuditCheckpoint.SignAsync(new Signer(signingKey), Key, 1, head.Seq, head.Hash, head.Time, AuditEntry.GenesisHash, CancellationToken.None);

    Task<AuditVerification> VerifyAsync(List<AuditEntry> entries, IReadOnlyList<AuditCheckpoint> checkpoints) =>
        AuditChainVerifier.VerifyAsync(entries.ToAsyncEnumerable(), checkpoints, Key, now: null, TimeSpan.FromHours(1), published: null, Start, CancellationToken.None);

    sealed class Signer(ECDsa key) : IAuditSigner
    {
        public string Kind => "test";

        public Task<byte[]> PublicKeyAsync(CancellationToken cancellationToken) => Task.FromResult(key.ExportSubjectPublicKeyInfo());

        public Task<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken) =>
            Task.FromResult(key.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence));
    }
}
