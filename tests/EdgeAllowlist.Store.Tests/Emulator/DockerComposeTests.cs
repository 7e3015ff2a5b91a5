using EdgeAllowlist.Emulator;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;
using static EdgeAllowlist.Testing.ComposeFile;

using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Store.Tests.Emulator;

/// <summary>No Docker engine runs here, so the compose files are checked against what the emulator really reads.</summary>
public sealed class DockerComposeTests
{
    // Read by the ASP.NET Core host itself rather than by our options.
    static readonly HashSet<string> HostVariables = ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT"];

    static ComposeFile Compose => ComposeFile.Load();

    [Fact]
    public void The_kvs_service_builds_the_emulator_image_and_publishes_port_8080_on_loopback()
    {
        var kvs = Compose.Service("kvs");

        var build = (YamlMappingNode)kvs["build"];
        var dockerfile = Path.Combine(RepositoryPaths.Root, Text(build["context"]), Text(build["dockerfile"]));
        File.Exists(dockerfile).ShouldBeTrue(dockerfile);
        var dockerfileText = File.ReadAllText(dockerfile);
        dockerfileText.ShouldContain("EXPOSE 8080");
        dockerfileText.ShouldContain("ENTRYPOINT [\"dotnet\", \"EdgeAllowlist.Emulator.dll\"]");

        ((YamlSequenceNode)kvs["ports"]).Children.Select(Text).ShouldBe(["127.0.0.1:8080:8080"]);
        Compose.Environment("kvs")["ASPNETCORE_URLS"].ShouldEndWith(":8080");
    }

    [Fact]
    public void The_data_volume_is_mounted_where_the_emulator_keeps_its_stores()
    {
        var kvs = Compose.Service("kvs");

        var mount = ((YamlSequenceNode)kvs["volumes"]).Children.Select(Text).Single();
        var (volume, target) = (mount.Split(':')[0], mount.Split(':')[1]);

        target.ShouldBe(Compose.Environment("kvs")["Emulator__DataPath"]);
        ((YamlMappingNode)Compose.Root["volumes"]).Children.Keys.Select(Text).ShouldContain(volume);
    }

    [Fact]
    public void Every_environment_variable_is_one_the_emulator_reads_and_the_admin_endpoints_stay_off()
    {
        var options = Bind(Compose.Environment("kvs"));

        options.Credentials.ShouldHaveSingleItem().AccessKeyId.ShouldBe("<KVS_ACCESS_KEY_ID>");
        options.Stores.ShouldHaveSingleItem();
        options.EnableAdminEndpoints.ShouldBeFalse();
    }

    [Fact]
    public void The_dev_override_only_turns_on_the_admin_endpoints_of_the_emulator()
    {
        var dev = ComposeFile.Load("docker-compose.dev.yml");

        dev.ServiceNames.ShouldBe(["kvs"]);
        dev.Service("kvs").Children.Keys.Select(Text).ShouldBe(["environment"]);
        var merged = new Dictionary<string, string>(Compose.Environment("kvs"));
        foreach (var (key, value) in dev.Environment("kvs"))
            merged[key] = value;

        Bind(merged).EnableAdminEndpoints.ShouldBeTrue();
    }

    [Fact]
    public async Task The_kvs_healthcheck_command_passes_against_a_running_emulator_with_the_admin_endpoints_off()
    {
        var script = Compose.HealthcheckScript("kvs");
        script.ShouldContain("/healthz");
        await using var emulator = await RunningEmulator.StartAsync(configure: o => o.EnableAdminEndpoints = false);

        (await RunHealthcheckAsync(script, emulator.BaseAddress.Port)).ShouldBe(0);
        // The script tells a 404 from a 200: the same check on a route that is off fails.
        (await RunHealthcheckAsync(script.Replace("/healthz", "/_emulator/faults", StringComparison.Ordinal), emulator.BaseAddress.Port)).ShouldNotBe(0);
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
        values.Keys.ShouldBeSubsetOf(Compose.Environment("kvs").Keys);
        var args = values.Select(v => $"--{v.Key.Replace("__", ":")}={v.Value}").ToArray();

        await using var composed = await RunningEmulator.StartFromConfigurationAsync(args);
        var options = composed.ClientOptions();
        options.Arn = values["Emulator__Stores__0"];
        using var client = new EdgeAllowlist.Aws.KeyValueStore.KeyValueStoreClient(options, new Amazon.Runtime.BasicAWSCredentials("AKIDCOMPOSETEST", "compose-test-secret"));

        (await client.DescribeAsync()).KvsArn.ShouldBe(options.Arn);
    }

    /// <summary>
    /// Environment variables become configuration keys with "__" as the separator; binding with
    /// ErrorOnUnknownConfiguration fails on any key that no option property takes.
    /// </summary>
    static EmulatorOptions Bind(Dictionary<string, string> variables)
    {
        var settings = variables.Where(v => !HostVariables.Contains(v.Key)).ToList();
        settings.ShouldNotBeEmpty();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":"), (string?)v.Value)))
            .Build();
        configuration.AsEnumerable().Where(kv => kv.Value is not null).ShouldAllBe(kv => kv.Key.StartsWith(EmulatorOptions.SectionName + ":"));
        return configuration.GetSection(EmulatorOptions.SectionName).Get<EmulatorOptions>(o => o.ErrorOnUnknownConfiguration = true)!;
    }
}
