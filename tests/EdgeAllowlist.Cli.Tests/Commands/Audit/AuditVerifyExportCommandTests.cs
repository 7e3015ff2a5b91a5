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

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
