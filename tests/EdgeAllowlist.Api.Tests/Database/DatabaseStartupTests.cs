using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using Xunit.Abstractions;

namespace EdgeAllowlist.Api.Tests.Database;

/// <summary>
/// The API as a real process, started while its database is away: it listens, /healthz answers,
/// /readyz and every request are 503 naming the database, and once the database is there it becomes
/// ready by itself (the schema check retried with backoff), without a restart.
/// </summary>
public sealed class DatabaseStartupTests(ITestOutputHelper output) : IDisposable
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    readonly string data = Directory.CreateTempSubdirectory("ea-start-degraded-").FullName;
    readonly string token = ApiSettings.NewAdminToken();

    /// <summary>
    /// The data folder's settings, with the schema check's start wait and retry pauses short (defaults: 5 s
    /// each): what is proved is that the start does not wait for the database and that the check is
    /// retried by itself, not how long the defaults are, and the defaults would add up to 10 s of idle waiting per test.
    /// </summary>
    Dictionary<string, string> Settings()
    {
        var settings = ApiSettings.Embedded(data, token);
        settings["Database:StartWait"] = "00:00:00.200";
        settings["Database:MaxRetryBackoff"] = "00:00:00.500";
        return settings;
    }

    [Fact]
    public async Task A_start_while_PostgreSQL_is_stopped_answers_503_naming_the_database_and_becomes_ready_when_it_starts()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        server.Stop();
        var settings = Settings();
        settings["Database:ConnectionString"] = server.ConnectionString;
        await using var api = ApiProcess.Start(settings);

        await ShouldStartDegradedAsync(api, "unreachable");

        server.StartAgain();
        await ShouldBecomeReadyAsync(api, "PostgreSQL started");
    }

    [Fact]
    public async Task A_start_where_the_SQLite_file_cannot_be_opened_answers_503_naming_the_database_and_becomes_ready_once_it_can()
    {
        // A folder where the database file should be: SQLite cannot open it, as with a missing mount.
        var blocker = Path.Combine(data, "edge-allowlist.db");
        Directory.CreateDirectory(blocker);
        await using var api = ApiProcess.Start(Settings());

        await ShouldStartDegradedAsync(api, "unreachable");

        Directory.Delete(blocker);
        await ShouldBecomeReadyAsync(api, "SQLite file openable");
    }

    async Task ShouldStartDegradedAsync(ApiProcess api, string databaseStatus)
    {
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await UntilAsync(api, async () => (await anonymous.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);
        var ready = await anonymous.GetAsync("/readyz");
        var body = await ready.JsonAsync();
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body.ToJsonString());
        ready.Headers.RetryAfter.ShouldNotBeNull();
        body["database"]!.GetValue<string>().ShouldBe(databaseStatus);
        body["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldContain(p => p.StartsWith("database", StringComparison.Ordinal));

        using var admin = api.Client(token);
        foreach (var request in new Func<Task<HttpResponseMessage>>[] { () => admin.GetAsync("/v1/origins"), () => admin.PostJsonAsync("/v1/origins", new { origin = "https://while.start-degraded.example" }) })
        {
            var problem = await (await request()).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            ShouldNameTheDatabase(problem);
        }
        api.HasExited.ShouldBeFalse();
    }

    async Task ShouldBecomeReadyAsync(ApiProcess api, string what)
    {
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        await UntilAsync(api, async () => (await anonymous.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
        output.WriteLine($"{what}: ready after {clock.ElapsedMilliseconds} ms");
        using var admin = api.Client(token);
        var added = await admin.PostJsonAsync("/v1/origins", new { origin = "https://after.start-degraded.example" });
        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        (await admin.GetJsonAsync("/v1/audit?action=origin.add"))["items"]!.AsArray().Count.ShouldBe(1);
        api.HasExited.ShouldBeFalse();
        string.Join('\n', api.StandardOutput.Concat(api.StandardError)).ShouldNotContain("Unhandled exception");
    }

    /// <summary>A 503 whose type, title, errors and detail all say the database is unavailable (RFC 9110 §15.6.4).</summary>
    internal static void ShouldNameTheDatabase(JsonNode problem)
    {
        problem["type"]!.GetValue<string>().ShouldBe("https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4", problem.ToJsonString());
        problem["title"]!.GetValue<string>().ShouldBe("The database is unavailable");
        problem.ErrorFields().ShouldBe(["database"]);
        problem["detail"]!.GetValue<string>().ShouldStartWith("The database is unavailable:");
    }

    static async Task UntilAsync(ApiProcess api, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (api.HasExited)
                throw new InvalidOperationException($"The API exited:\n{api.Tail}");
            try
            {
                if (await condition())
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (clock.Elapsed > Bound)
                throw new TimeoutException($"Still waiting after {Bound.TotalSeconds} s:\n{api.Tail}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => Directory.Delete(data, recursive: true);
}
