using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Auth;

/// <summary>
/// The bootstrap token and the recovery command, through the real API binary run as a child process
/// on a temp data folder: where the token is printed, and <c>admin reset-token</c> on SQLite and PostgreSQL.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class AdminResetTokenTests
{
    // Starting the API takes seconds on an idle machine and more than a minute on a loaded one.
    static readonly TimeSpan ReadyWithin = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_first_start_prints_the_bootstrap_token_on_standard_error_and_never_in_the_json_log_lines()
    {
        var data = Directory.CreateTempSubdirectory("ea-boot-").FullName;
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["DataDirectory"] = data }, readyWithin: ReadyWithin);

        var token = await PrintedTokenAsync(api);
        using (var admin = api.Client(token))
            (await admin.GetAsync("/v1/tokens")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var logLines = api.StandardOutput;
        logLines.ShouldContain(line => line.Contains("admin reset-token"), "the log says where to look and how to recover");
        foreach (var line in logLines)
        {
            Should.NotThrow(() => JsonDocument.Parse(line).Dispose(), line);
            line.ShouldNotContain(token[5..]);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Reset_token_revokes_every_admin_token_prints_one_new_token_and_audits_it_without_starting_the_server(string database)
    {
        var settings = new Dictionary<string, string>
        {
            ["DataDirectory"] = Directory.CreateTempSubdirectory("ea-reset-").FullName,
            ["Database:ConnectionString"] = database == "postgres" ? PostgresServer.CreateDatabase() : "",
            ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = ApiSettings.NewAdminToken(),
        };
        var bootstrap = settings["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"];
        string secondAdmin, reader;
        await using (var first = await ApiProcess.StartAsync(settings, readyWithin: ReadyWithin))
        {
            using var admin = first.Client(bootstrap);
            secondAdmin = await CreateTokenAsync(admin, "second-admin", "tokens:admin");
            reader = await CreateTokenAsync(admin, "reader", "rules:read");
        }

        var run = await ApiProcess.RunCommandAsync(settings, ["admin", "reset-token"], ReadyWithin);

        run.ExitCode.ShouldBe(0, run.Error);
        var reset = run.Output.TrimEnd('\n');
        reset.ShouldMatch($"^{TokenFormat()}$", "standard output is the token and nothing else");
        run.Error.ShouldContain("Revoked 2 admin token(s)");
        run.Error.ShouldNotContain(reset[5..]);
        run.Error.ShouldNotContain("Now listening");

        await using var api = await ApiProcess.StartAsync(settings, readyWithin: ReadyWithin);
        using var recovered = api.Client(reset);
        (await recovered.GetAsync("/v1/tokens")).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var revoked in new[] { bootstrap, secondAdmin })
        {
            using var old = api.Client(revoked);
            (await old.GetAsync("/v1/tokens")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var stillValid = api.Client(reader))
            (await stillValid.GetAsync("/v1/origins")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var entries = (await recovered.GetJsonAsync("/v1/audit?actor=local-admin"))["items"]!.AsArray();
        entries.Select(e => e!["action"]!.GetValue<string>()).Order().ShouldBe(["token.reset", "token.revoke", "token.revoke"]);
        entries.ShouldAllBe(e => e!["client"]!.GetValue<string>().Length > 0);
        (await recovered.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();

        // The new token is on the command's standard output only: not in its log lines, not in the
        // service's, not in the audit trail (which holds fingerprints).
        var export = await (await recovered.GetAsync("/v1/audit/export")).Content.ReadAsStringAsync();
        var serviceOutput = string.Join('\n', api.StandardOutput.Concat(api.StandardError));
        foreach (var token in new[] { reset, bootstrap, secondAdmin, reader })
        {
            export.ShouldNotContain(token[5..]);
            serviceOutput.ShouldNotContain(token[5..]);
        }
    }

    [Fact]
    public async Task An_unknown_admin_command_exits_1_with_the_usage_and_changes_nothing()
    {
        var settings = new Dictionary<string, string> { ["DataDirectory"] = Directory.CreateTempSubdirectory("ea-reset-").FullName };

        var run = await ApiProcess.RunCommandAsync(settings, ["admin", "reset-tokens"], ReadyWithin);

        run.ExitCode.ShouldBe(1);
        run.Output.ShouldBeEmpty();
        run.Error.ShouldContain("unknown admin command 'reset-tokens'");
        run.Error.ShouldContain("admin reset-token");
        File.Exists(Path.Combine(settings["DataDirectory"], "edge-allowlist.db")).ShouldBeFalse();
    }

    static async Task<string> CreateTokenAsync(HttpClient admin, string name, string scope)
    {
        using var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes = new[] { scope } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync())["token"]!.GetValue<string>();
    }

    /// <summary>The token the banner on standard error carries; the line may trail /readyz by a moment.</summary>
    static async Task<string> PrintedTokenAsync(ApiProcess api)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (api.StandardError.Select(l => TokenFormat().Match(l)).FirstOrDefault(m => m.Success) is { } match)
                return match.Value;
            await Task.Delay(50);
        }
        throw new ShouldAssertException($"No token on standard error:\n{string.Join('\n', api.StandardError)}");
    }

    [GeneratedRegex("eaat_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenFormat();
}
