using System.Text.RegularExpressions;
using EdgeAllowlist.Emulator;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Store.Tests.Emulator;

/// <summary>No Docker engine runs here, so the compose file is checked against what the emulator really reads.</summary>
public sealed partial class DockerComposeTests
{
    static readonly string ComposePath = Path.Combine(RepositoryPaths.Root, "docker-compose.yml");

    // Read by the ASP.NET Core host itself rather than by our options.
    static readonly HashSet<string> HostVariables = ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT"];

    [Fact]
    public void The_kvs_service_builds_the_emulator_image_and_publishes_port_8080()
    {
        var kvs = Service("kvs");

        var build = (YamlMappingNode)kvs["build"];
        var dockerfile = Path.Combine(RepositoryPaths.Root, Scalar(build["context"]), Scalar(build["dockerfile"]));
        File.Exists(dockerfile).ShouldBeTrue(dockerfile);
        var dockerfileText = File.ReadAllText(dockerfile);
        dockerfileText.ShouldContain("EXPOSE 8080");
        dockerfileText.ShouldContain("ENTRYPOINT [\"dotnet\", \"EdgeAllowlist.Emulator.dll\"]");

        ((YamlSequenceNode)kvs["ports"]).Children.Select(Scalar).ShouldContain("8080:8080");
        Environment(kvs)["ASPNETCORE_URLS"].ShouldEndWith(":8080");
    }

    [Fact]
    public void The_data_volume_is_mounted_where_the_emulator_keeps_its_stores()
    {
        var kvs = Service("kvs");

        var mount = ((YamlSequenceNode)kvs["volumes"]).Children.Select(Scalar).Single();
        var (volume, target) = (mount.Split(':')[0], mount.Split(':')[1]);

        target.ShouldBe(Environment(kvs)["Emulator__DataPath"]);
        ((YamlMappingNode)Root()["volumes"]).Children.Keys.Select(Scalar).ShouldContain(volume);
    }

    [Fact]
    public void Every_environment_variable_is_one_the_emulator_reads()
    {
        var variables = Environment(Service("kvs"));
        var settings = variables.Where(v => !HostVariables.Contains(v.Key)).ToList();
        settings.ShouldNotBeEmpty();

        // Environment variables become configuration keys with "__" as the separator; binding with
        // ErrorOnUnknownConfiguration fails on any key that no option property takes.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":"), (string?)v.Value)))
            .Build();
        configuration.AsEnumerable().Where(kv => kv.Value is not null).ShouldAllBe(kv => kv.Key.StartsWith(EmulatorOptions.SectionName + ":"));
        var options = configuration.GetSection(EmulatorOptions.SectionName).Get<EmulatorOptions>(o => o.ErrorOnUnknownConfiguration = true)!;

        options.Credentials.ShouldHaveSingleItem().AccessKeyId.ShouldBe("AKIDEXAMPLE");
        options.Stores.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task The_emulator_started_with_the_compose_variable_names_uses_their_values()
    {
        // Same names as the compose file, values of our own, so nothing can come from appsettings.json defaults.
        var values = new Dictionary<string, string>
        {
            ["Emulator__Stores__0"] = "arn:aws:cloudfront::111122223333:key-value-store/abcdefab-1234-5678-9abc-def012345678",
            ["Emulator__Credentials__0__AccessKeyId"] = "AKIDCOMPOSETEST",
            ["Emulator__Credentials__0__SecretAccessKey"] = "compose-test-secret",
        };
        values.Keys.ShouldBeSubsetOf(Environment(Service("kvs")).Keys);
        var args = values.Select(v => $"--{v.Key.Replace("__", ":")}={v.Value}").ToArray();

        await using var composed = await RunningEmulator.StartFromConfigurationAsync(args);
        var options = composed.ClientOptions();
        options.Arn = values["Emulator__Stores__0"];
        using var client = new Store.Aws.KeyValueStoreClient(options, new Amazon.Runtime.BasicAWSCredentials("AKIDCOMPOSETEST", "compose-test-secret"));

        (await client.DescribeAsync()).KvsArn.ShouldBe(options.Arn);
    }

    static YamlMappingNode Root()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(ComposePath);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    static YamlMappingNode Service(string name) => (YamlMappingNode)((YamlMappingNode)Root()["services"])[name];

    /// <summary>The service's environment with compose's <c>${NAME:-default}</c> replaced by the default.</summary>
    static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(
            kv => Scalar(kv.Key),
            kv => Interpolation().Replace(Scalar(kv.Value), m => m.Groups["default"].Value));

    static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value!;

    [GeneratedRegex(@"\$\{[A-Z_]+:-(?<default>[^}]*)\}")]
    private static partial Regex Interpolation();
}
