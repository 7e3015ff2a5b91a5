using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Audit;

public sealed class AuditVerifyExportCommandTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-audit-").FullName;

    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task Verify_reports_an_intact_chain()
    {
        await api.AddOriginAsync("https://verify.audit.example");

        var run = await Cli("audit", "verify", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Json["valid"]!.GetValue<bool>().ShouldBeTrue();
        run.Json["entries"]!.GetValue<long>().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Export_streams_ndjson_to_stdout_and_csv_to_a_file()
    {
        await api.AddOriginAsync("https://export.audit.example");

        var ndjson = await Cli("audit", "export", "--action", "origin.add", "--target", "https://export.audit.example");
        var csvFile = Path.Combine(folder, "audit.csv");
        var csv = await Cli("audit", "export", "--format", "csv", "--file", csvFile);

        ndjson.ExitCode.ShouldBe(ExitCodes.Ok, ndjson.Error);
        var entry = JsonNode.Parse(ndjson.Out.Trim().Split('\n').ShouldHaveSingleItem())!;
        entry["target"]!.GetValue<string>().ShouldBe("https://export.audit.example");
        csv.ExitCode.ShouldBe(ExitCodes.Ok, csv.Error);
        (await File.ReadAllTextAsync(csvFile)).ShouldContain("https://export.audit.example");
    }

    [Fact]
    public async Task Verify_checks_an_export_offline_with_the_public_key_alone_and_names_an_entry_changed_by_one_byte()
    {
        for (var i = 0; i < 3; i++)
            await api.AddOriginAsync($"https://offline{i}.audit.example");
        var exportFile = Path.Combine(folder, "export.ndjson");
        var keyFile = Path.Combine(folder, "key.pem");
        (await Cli("audit", "verify", "-o", "json")).ExitCode.ShouldBe(ExitCodes.Ok);
        (await Cli("audit", "export", "--file", exportFile)).ExitCode.ShouldBe(ExitCodes.Ok);
        using (var http = new HttpClient { BaseAddress = api.BaseAddress })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", api.AdminToken);
            var key = JsonNode.Parse(await http.GetStringAsync("/v1/audit/public-key"))!;
            await File.WriteAllTextAsync(keyFile, key["publicKeyPem"]!.GetValue<string>());
        }

        // No API, no token, no database: the file and the key.
        var intact = await CliRun.RunAsync("audit", "verify", "--file", exportFile, "--public-key", keyFile, "-o", "json");

        intact.ExitCode.ShouldBe(ExitCodes.Ok, intact.Out + intact.Error);
        intact.Json["valid"]!.GetValue<bool>().ShouldBeTrue();
        intact.Json["checkpoints"]!.GetValue<long>().ShouldBeGreaterThan(0);

        var lines = await File.ReadAllLinesAsync(exportFile);
        var index = Array.FindIndex(lines, l => l.Contains("offline1.audit.example", StringComparison.Ordinal));
        var seq = JsonNode.Parse(lines[index])!["seq"]!.GetValue<long>();
        lines[index] = lines[index].Replace("offline1.audit", "offline7.audit", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(exportFile, lines);

        var tampered = await CliRun.RunAsync("audit", "verify", "--file", exportFile, "--public-key", keyFile, "-o", "json");

        tampered.ExitCode.ShouldBe(ExitCodes.VerificationFailed, tampered.Out + tampered.Error);
        var problem = tampered.Json["problems"]!.AsArray().ShouldHaveSingleItem()!;
        problem["kind"]!.GetValue<string>().ShouldBe("altered");
        problem["seq"]!.GetValue<long>().ShouldBe(seq);

        (await CliRun.RunAsync("audit", "verify", "--file", exportFile)).ExitCode.ShouldBe(ExitCodes.InvalidInput);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
