using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Audit.Signing;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The fast version of the bench's crash run (50 kills there): the API as a real process, SIGKILLed
/// mid-write and restarted on the same SQLite file and the same emulated store.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task After_each_SIGKILL_and_restart_the_store_and_the_audit_trail_agree_and_no_acknowledged_change_is_lost()
    {
        await using var emulator = await EmulatedStore.StartAsync();

        var (figures, violations) = await CrashLoop.RunAsync(emulator.Address, kills: 4, clients: 3, mutationsPerRound: 12, seed: 4);

        violations.ShouldBeEmpty();
        figures.Summary.Mutations.ShouldBe(4 * 3 * 12);
        figures.Summary.Acknowledged.ShouldBe(figures.Summary.Mutations, string.Join("\n", figures.Unacknowledged));
    }

    [Fact]
    public Task A_write_that_reached_the_store_just_before_a_SIGKILL_is_audited_for_its_requester_on_restart() =>
        RecoverAsync(forged: false);

    /// <summary>Issue 20: a row written straight into the journal made an external change appear under any name.</summary>
    [Fact]
    public Task A_journal_row_the_service_did_not_sign_is_audited_as_an_external_change_never_under_the_name_it_claims() =>
        RecoverAsync(forged: true);

    static async Task RecoverAsync(bool forged)
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-restart-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator.Address, data, token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        try
        {
            var api = await ApiProcess.StartAsync(settings);
            var etag = (await store.DescribeAsync()).ETag;
            await api.KillAsync();
            // What a kill between UpdateKeys and the audit commit leaves: the intent committed, the keys in the store, no audit entry.
            var intent = new WriteIntent("crashed-intent", etag,
                [new("o:https://crashed.example", "{}", null, BootstrapToken.Name, "origin.add", "https://crashed.example", "request-before-the-kill", "127.0.0.1")]);
            // Signed with the service's own key file, as the service does; or, forged, with a key of the attacker's.
            var keyFile = forged ? Path.Combine(data, "attacker.pem") : AuditOptions.KeyFileFor(data);
            using (var signer = LocalKeyFileSigner.OpenOrCreate(keyFile))
                await new MirrorRepository(new SqliteDatabase(Path.Combine(data, "edge-allowlist.db")), new AuditSigning(signer)).RecordIntentAsync(intent, DateTimeOffset.UnixEpoch, CancellationToken.None);
            await store.UpdateKeysAsync(etag, [new("o:https://crashed.example", "{}")], []);

            await using var restarted = await ApiProcess.StartAsync(settings, api.BaseAddress.Port);

            using var admin = restarted.Client(token);
            var audit = await InvariantCheck.ExportAsync(admin);
            var entry = audit.Where(e => (string?)e["target"] == "https://crashed.example").ShouldHaveSingleItem();
            if (forged)
            {
                entry["actor"]!.GetValue<string>().ShouldBe("kvs-external");
                entry["action"]!.GetValue<string>().ShouldBe(InvariantCheck.ExternalChange);
                entry["requestId"].ShouldBeNull();
                entry["detail"]!.GetValue<string>().ShouldContain($"claimed this change for {BootstrapToken.Name}");
            }
            else
            {
                entry["actor"]!.GetValue<string>().ShouldBe(BootstrapToken.Name);
                entry["action"]!.GetValue<string>().ShouldBe("origin.add");
                entry["requestId"]!.GetValue<string>().ShouldBe("request-before-the-kill");
                audit.ShouldNotContain(e => (string?)e["action"] == InvariantCheck.ExternalChange);
            }
            (await admin.GetStringAsync("/v1/audit/verify")).ShouldContain("\"valid\":true");
            await api.DisposeAsync();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            File.Delete(AuditOptions.KeyFileFor(data));
        }
    }
}
