using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

/// <summary>
/// The user's problem end to end (context/repost-mediatailor-401-thread.txt): MediaTailor fetches
/// template manifests server to server, players fetch everything else from a browser. Run on
/// SQLite and on PostgreSQL.
/// </summary>
public abstract class MediaTailorScenarioTests(ApiHost host)
{
    [Fact]
    public async Task MediaTailor_and_browsers_pass_through_a_rotation_and_the_old_secret_ends_with_the_grace_period()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        await admin.CreatePartnerAsync("mediatailor");
        var first = await admin.CreateSecretAsync("mediatailor");
        var oldSecret = first.Text("secret");
        first.Text("videoContentSourceUrl").ShouldBe($"https://{PartnerCalls.Domain}/_p/{oldSecret}/");

        var manifest = await admin.SimulateMediaTailorAsync(oldSecret);
        manifest.Text("action").ShouldBe("pass");
        manifest.Text("uri").ShouldBe("/test/ACCUSSED_Stereo.m3u8");
        manifest["keysRead"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["cfg", "x:" + PartnerCalls.Sha256(oldSecret)]);
        // The same MediaTailor User-Agent without the secret is what the user's "allow mediatailor" rule would have let through.
        var forged = await admin.SimulateAsync("/test/ACCUSSED_Stereo.m3u8", new() { ["user-agent"] = PartnerCalls.MediaTailorUserAgent });
        forged.Text("action").ShouldBe("deny");

        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://www.example.com" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var browser = new Dictionary<string, string> { ["origin"] = "https://www.example.com", ["user-agent"] = PartnerCalls.ChromeUserAgent };
        var player = await admin.SimulateAsync("/v1/master/abc123/index.m3u8", browser);
        player.Text("action").ShouldBe("pass");
        player.Text("uri").ShouldBe("/v1/master/abc123/index.m3u8");

        var rotation = await admin.IssueAsync("/v1/partners/mediatailor/secrets/rotate", new { distributionDomain = PartnerCalls.Domain });
        var newSecret = rotation.Text("secret");
        (await admin.SimulateMediaTailorAsync(oldSecret)).Text("action").ShouldBe("pass");
        (await admin.SimulateMediaTailorAsync(newSecret)).Text("action").ShouldBe("pass");
        (await admin.SimulateAsync("/v1/master/abc123/index.m3u8", browser)).Text("action").ShouldBe("pass");

        // The default grace is 24 hours; a day and an hour later the sweep removes the old key.
        host.Clock.Advance(TimeSpan.FromHours(25));
        var expired = await admin.SimulateMediaTailorAsync(oldSecret);
        expired.Text("action").ShouldBe("deny");
        expired["reason"]!.GetValue<string>().ShouldBeOneOf("secret-expired", "secret-unknown");
        var oldKey = "x:" + PartnerCalls.Sha256(oldSecret);
        // The sweep's change is complete once audited (the key leaves the store just before its audit entry commits).
        var sweeps = new System.Text.Json.Nodes.JsonArray();
        for (var wait = 0; wait < 200 && sweeps.Count == 0; wait++)
        {
            await Task.Delay(50);
            sweeps = (await admin.GetJsonAsync("/v1/audit?action=secret.sweep"))["items"]!.AsArray();
        }
        (await store.GetAsync(oldKey)).ShouldBeNull("the sweep should have deleted the expired secret");
        var swept = sweeps.ShouldHaveSingleItem()!;
        swept.Text("actor").ShouldBe("secret-sweep");
        swept.Text("target").ShouldBe($"mediatailor/{first.Text("id")}");
        var gone = await admin.SimulateMediaTailorAsync(oldSecret);
        gone.Text("action").ShouldBe("deny");
        gone.Text("reason").ShouldBe("secret-unknown");
        (await admin.SimulateMediaTailorAsync(newSecret)).Text("action").ShouldBe("pass");
        (await admin.SimulateAsync("/v1/master/abc123/index.m3u8", browser)).Text("action").ShouldBe("pass");

        // Shown once, never kept: not in the logs, any database row (audit included), the store files or the audit export.
        var export = await admin.GetStringAsync("/v1/audit/export");
        var database = await host.EverythingInDatabaseAsync();
        database.ShouldContain(first.Text("fingerprint"));
        foreach (var secret in (string[])[oldSecret, newSecret])
        {
            host.Logs.All.ShouldNotContain(secret[5..]);
            host.EverythingOnDisk().ShouldNotContain(secret[5..]);
            database.ShouldNotContain(secret[5..]);
            export.ShouldNotContain(secret[5..]);
        }
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }
}

public sealed class SqliteMediaTailorScenarioTests(ApiHost host) : MediaTailorScenarioTests(host), IClassFixture<ApiHost>;

public sealed class PostgresMediaTailorScenarioTests(PostgresApiHost host) : MediaTailorScenarioTests(host), IClassFixture<PostgresApiHost>;
