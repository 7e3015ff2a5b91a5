using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Rules;

/// <summary>
/// A saved plan is a shareable file, so anyone may have written it. Run as CI runs it (the CLI as a
/// process, the token in EDGE_ALLOWLIST_TOKEN): the token goes only to an API the caller names, and
/// what is shown and applied is the API's plan of the file's document.
/// </summary>
public sealed class SavedPlanProcessTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-plan-process-").FullName;
    readonly TcpListener collector = new(IPAddress.Loopback, 0);
    int collected;

    /// <summary>A loopback port that counts every connection: where a crafted plan would send the token.</summary>
    Uri Collector => new($"http://127.0.0.1:{((IPEndPoint)collector.LocalEndpoint).Port}/");

    public Task InitializeAsync()
    {
        collector.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var connection = await collector.AcceptTcpClientAsync();
                Interlocked.Increment(ref collected);
            }
        });
        return Task.CompletedTask;
    }

    Task<CommandRun> Apply(string plan, string? apiVariable, params string[] extra) =>
        ChildProcess.RunAsync(ChildProcess.StartInfo(ChildProcess.BuiltAssembly("EdgeAllowlist.Cli"), ["apply", plan, .. extra],
            new Dictionary<string, string> { ["EDGE_ALLOWLIST_TOKEN"] = api.AdminToken, ["EDGE_ALLOWLIST_API"] = apiVariable ?? "", ["EDGE_ALLOWLIST_OUTPUT"] = "" }),
            TimeSpan.FromMinutes(2));

    /// <summary>A plan made by the CLI for the real API for a document that adds <paramref name="origin"/>.</summary>
    async Task<(string Path, JsonObject Json)> PlanAsync(string name, string origin)
    {
        var rules = Path.Combine(folder, name + ".yaml");
        await File.WriteAllTextAsync(rules, $"version: 1\norigins:\n- origin: {origin}\n");
        var plan = Path.Combine(folder, name + ".plan");
        (await CliRun.RunWithApiTokenAsync(api.AdminToken, "plan", rules, "-out", plan, "--api", api.BaseAddress.ToString())).ExitCode.ShouldBe(ExitCodes.Ok);
        return (plan, JsonNode.Parse(await File.ReadAllTextAsync(plan))!.AsObject());
    }

    async Task<bool> HasOriginAsync(string origin)
    {
        using var client = new HttpClient { BaseAddress = api.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", api.AdminToken);
        return (await client.GetAsync($"/v1/origins/{origin}")).StatusCode == HttpStatusCode.OK;
    }

    static JsonObject Error(CommandRun run) => JsonNode.Parse(run.Error)!["error"]!.AsObject();

    [Fact]
    public async Task A_plan_naming_another_api_never_gets_the_token_and_is_refused_naming_both_urls()
    {
        var (path, json) = await PlanAsync("crafted", "https://crafted.process.example");
        json["api"] = Collector.AbsoluteUri;
        await File.WriteAllTextAsync(path, json.ToJsonString());

        var unnamed = await Apply(path, apiVariable: null, "-o", "json");
        var named = await Apply(path, api.BaseAddress.ToString(), "-o", "json");
        var to = await Apply(path, apiVariable: null, "--to", api.BaseAddress.ToString(), "-o", "json");

        unnamed.ExitCode.ShouldBe(ExitCodes.InvalidInput, unnamed.Error);
        Error(unnamed)["code"]!.GetValue<string>().ShouldBe("NoApi");
        Error(unnamed)["message"]!.GetValue<string>().ShouldContain(Collector.AbsoluteUri);
        Error(unnamed)["message"]!.GetValue<string>().ShouldContain("--to");
        foreach (var run in new[] { named, to })
        {
            run.ExitCode.ShouldBe(ExitCodes.InvalidInput, run.Error);
            Error(run)["code"]!.GetValue<string>().ShouldBe("PlanForOtherApi");
            Error(run)["message"]!.GetValue<string>().ShouldContain(Collector.AbsoluteUri);
            Error(run)["message"]!.GetValue<string>().ShouldContain(api.BaseAddress.AbsoluteUri);
        }
        Volatile.Read(ref collected).ShouldBe(0, "the token went to the URL the plan file names");
        (await HasOriginAsync("https://crafted.process.example")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_plan_whose_document_was_edited_after_review_is_refused_showing_what_the_api_would_do()
    {
        var (path, json) = await PlanAsync("edited", "https://reviewed.process.example");
        // After review: one more origin in the document, and the digest the API gives for the edited
        // document; the plan's changes are still the reviewed ones, which is what an old CLI printed.
        json["document"]!["origins"]!.AsArray().Add(new JsonObject { ["origin"] = "https://sneaked.process.example" });
        using (var client = new HttpClient { BaseAddress = api.BaseAddress })
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", api.AdminToken);
            var replanned = await (await client.PostAsJsonAsync("/v1/desired-state/plan", json["document"])).Content.ReadFromJsonAsync<JsonObject>();
            json["plan"]!["planDigest"] = replanned!["planDigest"]!.GetValue<string>();
        }
        await File.WriteAllTextAsync(path, json.ToJsonString());

        var run = await Apply(path, api.BaseAddress.ToString(), "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.PlanStale, run.Error);
        Error(run)["message"]!.GetValue<string>().ShouldContain("origin https://sneaked.process.example: not planned, now add");
        (await HasOriginAsync("https://sneaked.process.example")).ShouldBeFalse();
        (await HasOriginAsync("https://reviewed.process.example")).ShouldBeFalse();
    }

    [Fact]
    public async Task An_untouched_plan_applies_to_the_named_api_showing_the_apis_plan()
    {
        var (path, _) = await PlanAsync("untouched", "https://untouched.process.example");

        var run = await Apply(path, apiVariable: null, "--to", api.BaseAddress.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Output.ShouldContain("+ origin https://untouched.process.example");
        (await HasOriginAsync("https://untouched.process.example")).ShouldBeTrue();
    }

    public Task DisposeAsync()
    {
        collector.Stop();
        Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }
}
