using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Aws.KeyValueStore;
using Npgsql;
using YamlDotNet.RepresentationModel;
using static EdgeAllowlist.Testing.ComposeFile;

namespace EdgeAllowlist.Api.Tests.Deploy;

/// <summary>
/// No Docker engine runs here, so docker-compose.yml (and the dev override) are checked against what the
/// service really reads, and their hardening rules are checked on the files: loopback ports, no default
/// passwords, healthchecks that gate start-up, and build contexts that leave data folders out.
/// </summary>
public sealed class DockerComposeTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    static readonly string Root = RepositoryPaths.Root;
    static readonly string[] ComposeFiles = ["docker-compose.yml", "docker-compose.dev.yml"];

    // Read by the ASP.NET Core host, the AWS credential chain, or by name in ServiceRegistration.
    static readonly HashSet<string> ReadOutsideSettings = ["ASPNETCORE_URLS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"];

    static ComposeFile Compose => ComposeFile.Load();

    [Fact]
    public void The_api_service_builds_the_api_image_and_publishes_its_port_on_loopback()
    {
        var api = Compose.Service("api");
        var build = (YamlMappingNode)api["build"];
        var dockerfile = Path.Combine(Root, Text(build["context"]), Text(build["dockerfile"]));
        var text = File.ReadAllText(dockerfile);
        text.ShouldContain("EXPOSE 8080");
        text.ShouldContain("ENTRYPOINT [\"dotnet\", \"EdgeAllowlist.Api.dll\"]");
        text.ShouldContain("COPY function/ function/");
        Compose.Environment("api")["ASPNETCORE_URLS"].ShouldEndWith(":8080");
        ((YamlSequenceNode)api["ports"]).Children.Select(Text).ShouldBe(["127.0.0.1:5080:8080"]);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_published_port_is_bound_to_127_0_0_1(string file)
    {
        var compose = ComposeFile.Load(file);
        foreach (var name in compose.ServiceNames)
        {
            if (!compose.Service(name).Children.TryGetValue("ports", out var ports))
                continue;
            foreach (var port in ((YamlSequenceNode)ports).Children.Select(Text))
                port.ShouldStartWith("127.0.0.1:", customMessage: $"{file}: service {name} publishes {port} on every interface");
        }
    }

    [Fact]
    public void No_password_key_or_token_has_a_default_and_every_variable_is_documented_in_env_example()
    {
        var example = File.ReadAllLines(Path.Combine(Root, ".env.example"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
        foreach (var file in ComposeFiles)
        {
            foreach (var (name, op, operand) in ComposeFile.Load(file).References())
            {
                example.ShouldContainKey(name, $"{file} reads ${{{name}}}; .env.example must list it");
                example[name].ShouldBeEmpty($".env.example must not carry a value for {name}");
                if (name == "EDGE_ALLOWLIST_BOOTSTRAP_TOKEN")
                {
                    // Optional: empty means the service generates one.
                    (op, operand).ShouldBe((":-", ""));
                    continue;
                }
                op.ShouldBe(":?", $"{file}: {name} must be required (${{{name}:?…}}), not defaulted");
            }
        }
        File.ReadAllLines(Path.Combine(Root, ".gitignore")).ShouldContain(".env");
    }

    [Fact]
    public void Every_dependency_waits_for_a_healthy_service_and_those_services_have_healthchecks()
    {
        var compose = Compose;
        var dependsOn = (YamlMappingNode)compose.Service("api")["depends_on"];
        dependsOn.Children.Keys.Select(Text).Order().ShouldBe(["kvs", "postgres"]);
        foreach (var (service, condition) in dependsOn.Children)
        {
            Text(((YamlMappingNode)condition)["condition"]).ShouldBe("service_healthy");
            compose.Service(Text(service)).Children.Keys.Select(Text).ShouldContain("healthcheck");
        }
        compose.HealthcheckScript("api").ShouldContain("/readyz");
        compose.HealthcheckScript("api").ShouldContain("127.0.0.1/8080");
    }

    [Fact]
    public async Task The_api_healthcheck_command_passes_against_the_running_service_and_fails_without_one()
    {
        var script = Compose.HealthcheckScript("api");

        (await RunHealthcheckAsync(script, host.BaseAddress.Port)).ShouldBe(0);
        (await RunHealthcheckAsync(script, EdgeAllowlist.Reliability.ApiProcess.FreePort())).ShouldNotBe(0);
    }

    [Fact]
    public void The_build_context_of_every_image_leaves_out_data_folders_and_the_env_file()
    {
        foreach (var name in Compose.ServiceNames.Where(n => Compose.Service(n).Children.ContainsKey("build")))
        {
            var build = (YamlMappingNode)Compose.Service(name)["build"];
            var context = Path.Combine(Root, Text(build["context"]));
            // BuildKit prefers <Dockerfile>.dockerignore; there is none, so the context's .dockerignore applies.
            File.Exists(Path.Combine(Root, Text(build["dockerfile"]) + ".dockerignore")).ShouldBeFalse();
            var ignore = File.ReadAllLines(Path.Combine(context, ".dockerignore"));
            ignore.ShouldContain("**/data/", $"{name}: data/ must be excluded at every depth");
            ignore.ShouldContain(".env");
        }
    }

    [Fact]
    public void Every_environment_variable_of_the_api_is_a_setting_the_service_reads()
    {
        var known = new HashSet<string>(ReadOutsideSettings);
        Flatten(JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "src/EdgeAllowlist.Api/appsettings.json")))!, "", known);
        foreach (var property in typeof(KeyValueStoreClientOptions).GetProperties())
            known.Add($"{KeyValueStoreClientOptions.SectionName}__{property.Name}");
        known.Add($"{AuditOptions.Section}__{nameof(AuditOptions.KeyFile)}");
        Compose.Environment("api").Keys.Where(k => !known.Contains(k)).ShouldBeEmpty();
    }

    [Fact]
    public void The_api_points_at_the_emulators_store_and_the_postgres_services_database()
    {
        var api = Compose.Environment("api");
        var kvs = Compose.Environment("kvs");
        api["Kvs__Arn"].ShouldBe(kvs["Emulator__Stores__0"]);
        new Uri(api["Kvs__EndpointOverride"]).Host.ShouldBe("kvs");
        api["AWS_ACCESS_KEY_ID"].ShouldBe(kvs["Emulator__Credentials__0__AccessKeyId"]);
        api["AWS_SECRET_ACCESS_KEY"].ShouldBe(kvs["Emulator__Credentials__0__SecretAccessKey"]);

        var postgres = Compose.Environment("postgres");
        var connection = new NpgsqlConnectionStringBuilder(api["Database__ConnectionString"]);
        connection.Host.ShouldBe("postgres");
        connection.Username.ShouldBe(postgres["POSTGRES_USER"]);
        connection.Password.ShouldBe(postgres["POSTGRES_PASSWORD"]);
        connection.Password.ShouldBe("<POSTGRES_PASSWORD>");
        connection.Database.ShouldBe(postgres["POSTGRES_DB"]);
    }

    [Fact]
    public void The_audit_signing_key_is_on_a_named_volume_of_its_own_in_compose_and_in_the_image()
    {
        // A key outside every volume is lost with the container: the recreated one signs with a new key
        // that the public key auditors kept cannot verify. Inside /data, a copy of the data would carry it.
        var keyFile = Compose.Environment("api")["Audit__KeyFile"];
        var mounts = ((YamlSequenceNode)Compose.Service("api")["volumes"]).Children.Select(Text)
            .Select(m => m.Split(':')).ToDictionary(m => m[1], m => m[0]);
        var keyFolder = Path.GetDirectoryName(keyFile)!;
        mounts.ShouldContainKey(keyFolder, $"{keyFile} must be on a volume");
        mounts[keyFolder].ShouldNotBe(mounts[Compose.Environment("api")["DataDirectory"]]);
        ((YamlMappingNode)Compose.Root["volumes"]).Children.Keys.Select(Text).ShouldContain(mounts[keyFolder]);

        var dockerfile = File.ReadAllText(Path.Combine(Root, "src/EdgeAllowlist.Api/Dockerfile"));
        dockerfile.ShouldContain($"Audit__KeyFile={keyFile}");
        dockerfile.ShouldContain($"VOLUME /data {keyFolder}");
    }

    public static TheoryData<string> Files => new(ComposeFiles);

    static void Flatten(JsonNode node, string prefix, HashSet<string> keys)
    {
        if (node is JsonObject obj)
            foreach (var (name, child) in obj)
                Flatten(child!, prefix.Length == 0 ? name : $"{prefix}__{name}", keys);
        else
            keys.Add(prefix);
    }
}
