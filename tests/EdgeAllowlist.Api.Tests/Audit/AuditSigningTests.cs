using System.Data.Common;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Audit.Signing;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Api.Tests.Audit;

/// <summary>
/// The attacks of issue 20 against a database holder, each on a service of its own (SQLite, then
/// PostgreSQL): relabelling, recomputing the chain, cutting the newest entries, and status
/// disagreeing with verify. Checkpoints every 3 entries, or every 30 seconds.
/// </summary>
public abstract class AuditSigningTests
{
    protected abstract SigningHost NewHost();

    async Task WithHostAsync(Func<SigningHost, HttpClient, Task> test)
    {
        var host = NewHost();
        await host.InitializeAsync();
        try
        {
            using var admin = host.Admin();
            await test(host, admin);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    static async Task AddOriginsAsync(HttpClient admin, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
            (await admin.PostJsonAsync("/v1/origins", new { origin = $"https://{prefix}{i}.signing.example" })).EnsureSuccessStatusCode();
    }

    /// <summary>A checkpoint over the head: the interval is made to pass, so one is due however few entries followed the last.</summary>
    static async Task<AuditCheckpoint> CheckpointAsync(ApiHost host)
    {
        var checkpoints = host.Service<AuditCheckpoints>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            host.Clock.Advance(TimeSpan.FromSeconds(31));
            await checkpoints.CheckpointIfDueAsync(default);
            var all = await checkpoints.ReadAllAsync(default);
            if (all.Count > 0 && all[^1].Count == await HeadSeqAsync(host))
                return all[^1];
            await Task.Delay(50);
        }
        throw new TimeoutException("no checkpoint covered the head");
    }

    static async Task<long> HeadSeqAsync(ApiHost host)
    {
        await using var connection = await host.Service<IDatabase>().OpenAsync();
        return Convert.ToInt64(await connection.ScalarAsync("SELECT MAX(seq) FROM audit_entries"), System.Globalization.CultureInfo.InvariantCulture);
    }

    static async Task SqlAsync(ApiHost host, string sql, params (string, object?)[] parameters)
    {
        await using var connection = await host.Service<IDatabase>().OpenAsync();
        await connection.ExecuteAsync(sql, null, default, parameters);
    }

    static async Task<List<JsonNode>> ProblemsAsync(JsonNode verification) => [.. verification["problems"]!.AsArray().Select(p => p!)];

    [Fact]
    public Task The_key_file_is_created_0600_beside_the_data_folder_and_its_public_key_is_served() => WithHostAsync(async (host, admin) =>
    {
        var path = AuditOptions.KeyFileFor(host.DataDirectory);
        File.Exists(path).ShouldBeTrue();
        Path.GetDirectoryName(path).ShouldBe(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(host.DataDirectory)));
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var served = await admin.GetJsonAsync("/v1/audit/public-key");
        served["signer"]!.GetValue<string>().ShouldBe("local-file");
        using var file = LocalKeyFileSigner.OpenOrCreate(path);
        var key = new AuditPublicKey(await file.PublicKeyAsync(default));
        served["keyId"]!.GetValue<string>().ShouldBe(key.KeyId);
        AuditPublicKey.FromPem(served["publicKeyPem"]!.GetValue<string>()).KeyId.ShouldBe(key.KeyId);
        (await host.Client().GetAsync("/v1/audit/public-key")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    });

    [Fact]
    public Task Checkpoints_are_signed_every_N_entries_chained_and_published_outside_the_database() => WithHostAsync(async (host, admin) =>
    {
        await AddOriginsAsync(admin, "cadence", 4);
        var key = AuditPublicKey.FromPem((await admin.GetJsonAsync("/v1/audit/public-key"))["publicKeyPem"]!.GetValue<string>());
        // The background signer alone: no call here asks for a checkpoint.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        IReadOnlyList<AuditCheckpoint> all;
        while ((all = await host.Service<AuditCheckpoints>().ReadAllAsync(default)).Count == 0 || await HeadSeqAsync(host) - all[^1].Count >= SigningHost.Every)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(100);
        }
        all.ShouldAllBe(c => c.IsSignedBy(key));
        for (var i = 1; i < all.Count; i++)
            all[i].PrevDigest.ShouldBe(all[i - 1].DigestHex());
        var published = JsonSerializer.Deserialize<AuditCheckpoint>(await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "audit-checkpoint.json")), JsonSerializerOptions.Web)!;
        published.Id.ShouldBeGreaterThanOrEqualTo(all[^1].Id - 1);
        published.IsSignedBy(key).ShouldBeTrue();
        var verified = await admin.GetJsonAsync("/v1/audit/verify");
        verified["valid"]!.GetValue<bool>().ShouldBeTrue(verified.ToJsonString());
        verified["signedThrough"]!.GetValue<long>().ShouldBeGreaterThan(0);
    });

    [Fact]
    public Task An_entry_rewritten_and_every_later_hash_recomputed_contradicts_the_signed_checkpoint() => WithHostAsync(async (host, admin) =>
    {
        await AddOriginsAsync(admin, "recompute", SigningHost.Every);
        var checkpoint = await CheckpointAsync(host);
        var target = checkpoint.Count - 1;
        // The attacker of issue 20: a new actor, then every hash from there on recomputed with plain SHA-256.
        await host.Service<IDatabase>().WriteLockedAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("UPDATE audit_entries SET actor = 'mallory' WHERE seq = @s", transaction, default, ("s", target));
            var entries = await connection.QueryAsync($"SELECT {AuditTrail.Columns} FROM audit_entries WHERE seq >= @s ORDER BY seq", AuditTrail.Read, transaction, default, ("s", target));
            var prev = entries[0].PrevHash;
            foreach (var entry in entries)
            {
                var hash = AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), entry.ToRecord(), prev);
                await connection.ExecuteAsync("UPDATE audit_entries SET prev_hash = @p, hash = @h WHERE seq = @s", transaction, default, ("p", prev), ("h", hash), ("s", entry.Seq));
                prev = hash;
            }
            return true;
        });

        var verified = await admin.GetJsonAsync("/v1/audit/verify");

        verified["valid"]!.GetValue<bool>().ShouldBeFalse();
        var problem = (await ProblemsAsync(verified)).First(p => p["kind"]!.GetValue<string>() == "recomputed");
        // The first checkpoint signed at or after the rewritten entry is the one contradicted.
        problem["seq"]!.GetValue<long>().ShouldBeInRange(target, checkpoint.Count);
        problem["checkpoint"]!.GetValue<long>().ShouldBeLessThanOrEqualTo(checkpoint.Id);
        // Status is that same verification, not a partial one.
        var status = await admin.GetJsonAsync("/v1/status");
        status["auditChain"]!.GetValue<string>().ShouldBe("broken");
        status["auditProblems"]!.GetValue<int>().ShouldBeGreaterThan(0);
        // And the signer will not sign over the rewritten trail.
        await AddOriginsAsync(admin, "after-recompute", SigningHost.Every);
        await host.Service<AuditCheckpoints>().CheckpointIfDueAsync(default);
        host.Service<AuditCheckpoints>().Refused.ShouldNotBeNull();
    });

    [Fact]
    public Task Deleting_the_newest_entries_and_their_checkpoints_is_found_as_truncation_and_by_the_published_checkpoint() => WithHostAsync(async (host, admin) =>
    {
        await AddOriginsAsync(admin, "truncate", SigningHost.Every);
        var first = await CheckpointAsync(host);
        await AddOriginsAsync(admin, "truncate-more", SigningHost.Every);
        var second = await CheckpointAsync(host);

        await SqlAsync(host, "DELETE FROM audit_entries WHERE seq > @s", ("s", first.Count));
        var cut = await admin.GetJsonAsync("/v1/audit/verify");
        cut["valid"]!.GetValue<bool>().ShouldBeFalse();
        var truncated = (await ProblemsAsync(cut)).Single(p => p["kind"]!.GetValue<string>() == "truncated");
        truncated["seq"]!.GetValue<long>().ShouldBe(first.Count + 1);
        truncated["checkpoint"]!.GetValue<long>().ShouldBeGreaterThan(first.Id);
        truncated["checkpoint"]!.GetValue<long>().ShouldBeLessThanOrEqualTo(second.Id);

        // The attacker also removes the checkpoints that cover what was cut: the copy outside the database names them.
        await SqlAsync(host, "DELETE FROM audit_checkpoints WHERE id > @i", ("i", first.Id));
        var hidden = await admin.GetJsonAsync("/v1/audit/verify");
        hidden["valid"]!.GetValue<bool>().ShouldBeFalse();
        (await ProblemsAsync(hidden)).ShouldContain(p => p["kind"]!.GetValue<string>() == "published");
        // Nor is a fresh checkpoint signed over the cut trail; as time passes the newest one grows stale.
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var later = await admin.GetJsonAsync("/v1/audit/verify");
        (await ProblemsAsync(later)).Select(p => p["kind"]!.GetValue<string>()).ShouldContain("stale");
        (await admin.GetJsonAsync("/v1/status"))["auditChain"]!.GetValue<string>().ShouldBe("broken");
    });

    [Fact]
    public Task An_entry_edited_before_the_last_verification_makes_status_broken_like_verify() => WithHostAsync(async (host, admin) =>
    {
        await AddOriginsAsync(admin, "status", SigningHost.Every);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        (await admin.GetJsonAsync("/v1/status"))["auditChain"]!.GetValue<string>().ShouldBe("valid");
        // An entry long verified (the old status checked only entries after its checkpoint).
        await SqlAsync(host, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2");

        await host.Service<Infrastructure.Integrity.IntegrityMonitor>().CheckAsync(writerRunning: true, default);

        var status = await admin.GetJsonAsync("/v1/status");
        status["auditChain"]!.GetValue<string>().ShouldBe("broken");
        status["auditFirstInvalidSeq"]!.GetValue<long>().ShouldBe(2);
        var verified = await admin.GetJsonAsync("/v1/audit/verify");
        var altered = (await ProblemsAsync(verified)).ShouldHaveSingleItem();
        altered["kind"]!.GetValue<string>().ShouldBe("altered");
        altered["seq"]!.GetValue<long>().ShouldBe(2);
    });

    [Fact]
    public Task An_export_verifies_offline_with_the_public_key_alone_and_fails_when_one_byte_of_an_entry_changes() => WithHostAsync(async (host, admin) =>
    {
        await AddOriginsAsync(admin, "offline", SigningHost.Every);
        await CheckpointAsync(host);
        var key = AuditPublicKey.FromPem((await admin.GetJsonAsync("/v1/audit/public-key"))["publicKeyPem"]!.GetValue<string>());
        var export = await (await admin.GetAsync("/v1/audit/export")).Content.ReadAsStringAsync();
        export.ShouldContain("\"checkpoint\":");

        var intact = await AuditExportVerifier.VerifyAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(export)), key, default);
        intact.Valid.ShouldBeTrue(string.Join("; ", intact.Problems));
        intact.SignedThrough.ShouldBeGreaterThan(0);

        var changed = export.Replace("offline1.signing", "offline1.signinh", StringComparison.Ordinal);
        changed.ShouldNotBe(export);
        var tampered = await AuditExportVerifier.VerifyAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(changed)), key, default);
        tampered.Valid.ShouldBeFalse();
        tampered.Problems.ShouldContain(p => p.Kind == "altered");

        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var wrongKey = await AuditExportVerifier.VerifyAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(export)), new AuditPublicKey(other.ExportSubjectPublicKeyInfo()), default);
        wrongKey.Valid.ShouldBeFalse();
        wrongKey.Problems.ShouldContain(p => p.Kind == "checkpoint-key");
    });
}

/// <summary>Checkpoints every <see cref="Every"/> entries or every 30 seconds.</summary>
public class SigningHost(string? connectionString = null, IReadOnlyDictionary<string, string?>? more = null) : ApiHost(connectionString, new Dictionary<string, string?>
{
    ["Audit:CheckpointEvery"] = Every.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Audit:CheckpointInterval"] = "00:00:30",
}.Concat(more ?? new Dictionary<string, string?>()).ToDictionary())
{
    public const int Every = 3;
}

public sealed class SqliteAuditSigningTests : AuditSigningTests
{
    protected override SigningHost NewHost() => new();
}

public sealed class PostgresAuditSigningTests : AuditSigningTests
{
    protected override SigningHost NewHost() => new(PostgresServer.CreateDatabase());
}

/// <summary>The KMS signer, against a fake KMS on loopback that checks SigV4 as KMS does.</summary>
public sealed class KmsAuditSigningTests
{
    // The keys EmulatorApiHost puts in the environment too: the service reads the default chain, as in production.
    static readonly ImmutableCredentials Caller = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

    [Fact]
    public async Task The_service_signs_checkpoints_with_the_KMS_key_through_the_credential_chain_and_serves_its_public_key()
    {
        await using var kms = await FakeKms.StartAsync(Caller);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", Caller.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", Caller.SecretKey);
        var host = new SigningHost(null, new Dictionary<string, string?>
        {
            ["Audit:Kms:KeyId"] = FakeKms.KeyArn,
            ["Audit:Kms:Region"] = FakeKms.Region,
            ["Audit:Kms:ServiceUrl"] = kms.Endpoint.ToString(),
        });
        await host.InitializeAsync();
        try
        {
            using var admin = host.Admin();
            for (var i = 0; i < SigningHost.Every; i++)
                (await admin.PostJsonAsync("/v1/origins", new { origin = $"https://kms{i}.signing.example" })).EnsureSuccessStatusCode();
            var served = await admin.GetJsonAsync("/v1/audit/public-key");
            served["signer"]!.GetValue<string>().ShouldBe("aws-kms");
            served["keyId"]!.GetValue<string>().ShouldBe(new AuditPublicKey(kms.PublicKey).KeyId);
            File.Exists(AuditOptions.KeyFileFor(host.DataDirectory)).ShouldBeFalse();

            var verified = await admin.GetJsonAsync("/v1/audit/verify");

            verified["valid"]!.GetValue<bool>().ShouldBeTrue(verified.ToJsonString());
            verified["checkpoints"]!.GetValue<long>().ShouldBeGreaterThan(0);
            kms.Calls.ShouldContain("Sign ok");
            kms.Calls.ShouldAllBe(call => call.EndsWith(" ok"));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_request_signed_with_other_keys_is_refused_by_KMS_and_nothing_is_signed()
    {
        await using var kms = await FakeKms.StartAsync(Caller);
        using var signer = new KmsAuditSigner(new() { KeyId = FakeKms.KeyArn, Region = FakeKms.Region, ServiceUrl = kms.Endpoint.ToString() },
            new BasicAWSCredentials(Caller.AccessKey, "not-the-secret-key"));

        await Should.ThrowAsync<AmazonServiceException>(() => signer.SignDigestAsync(new byte[32], default));

        kms.Calls.ShouldNotBeEmpty();
        kms.Calls.ShouldAllBe(call => call == "Sign InvalidSignatureException");
    }
}
