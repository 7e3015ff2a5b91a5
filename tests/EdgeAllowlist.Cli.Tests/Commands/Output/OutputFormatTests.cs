using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Cli.Tests.Commands.Output;

/// <summary>-o text|json|yaml|table, its default from EDGE_ALLOWLIST_OUTPUT, and errors under json.</summary>
public sealed class OutputFormatTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task Yaml_output_is_a_yaml_document_with_the_same_content_as_json()
    {
        var yaml = await Cli("status", "-o", "yaml");
        var json = await Cli("status", "-o", "json");

        yaml.ExitCode.ShouldBe(ExitCodes.Ok, yaml.Error);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml.Out));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        ((YamlScalarNode)root.Children[new YamlScalarNode("eTag")]).Value.ShouldBe(json.Json["eTag"]!.GetValue<string>());
        yaml.Out.ShouldNotContain("Usage:");
    }

    [Fact]
    public async Task Table_output_draws_a_table()
    {
        await api.AddOriginAsync("https://table.output.example");

        var run = await Cli("origins", "list", "--contains", "table.output", "-o", "table");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Out.ShouldContain("│ https://table.output.example");
    }

    [Theory]
    [InlineData("YAML")]
    [InlineData("Json")]
    [InlineData("xml")]
    public async Task Formats_are_lower_case_names_and_anything_else_is_a_usage_error_naming_the_choices(string format)
    {
        var run = await Cli("status", "-o", format);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("text, json, yaml or table");
    }

    [Fact]
    public async Task The_default_format_comes_from_EDGE_ALLOWLIST_OUTPUT_and_the_option_wins()
    {
        var fromEnvironment = await CliRun.RunWithDefaultOutputAsync(api.AdminToken, "json", "status", "--api", api.BaseAddress.ToString());
        var overridden = await CliRun.RunWithDefaultOutputAsync(api.AdminToken, "json", "status", "--api", api.BaseAddress.ToString(), "-o", "text");
        var wrong = await CliRun.RunWithDefaultOutputAsync(api.AdminToken, "xml", "status", "--api", api.BaseAddress.ToString());

        JsonNode.Parse(fromEnvironment.Out)!["eTag"].ShouldNotBeNull();
        overridden.Out.ShouldContain("eTag: ");
        wrong.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        wrong.Error.ShouldContain("EDGE_ALLOWLIST_OUTPUT");
    }

    [Theory]
    [InlineData("status", "--no-such-option")]
    [InlineData("no-such-command")]
    [InlineData("origins", "add")]
    public async Task Under_json_a_parse_error_is_one_json_object_on_stderr_and_no_help(params string[] args)
    {
        var run = await Cli([.. args, "-o", "json"]);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Out.ShouldBeEmpty();
        run.Error.Trim().Split('\n').ShouldHaveSingleItem();
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("InvalidCommandLine");
        run.ErrorJson["exitCode"]!.GetValue<int>().ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldNotContain("Usage:");
    }

    [Fact]
    public async Task Under_json_from_the_environment_a_parse_error_is_json_too()
    {
        var run = await CliRun.RunWithDefaultOutputAsync(api.AdminToken, "json", "status", "--bogus");

        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("InvalidCommandLine");
    }

    [Fact]
    public async Task A_missing_api_is_a_json_error_naming_what_to_set()
    {
        var run = await CliRun.RunWithApiTokenAsync(null, "origins", "list", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("EDGE_ALLOWLIST_API");
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("--token");
    }
}
