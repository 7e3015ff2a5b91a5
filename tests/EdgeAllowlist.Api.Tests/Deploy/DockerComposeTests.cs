using System.Text.Json.Nodes;
using EdgeAllowlist.Store.Aws;
using Npgsql;
using EdgeAllowlist.Api.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Api.Tests.Deploy;

/// <summary>No Docker engine runs here, so docker-compose.yml's api and postgres services are checked against what the service really reads.</summary>
public sealed class DockerComposeTests
{
    static readonly string Root = RepositoryPaths.Root;

    // Read by the ASP.NET Core host, the AWS credential chain, or by name in ServiceRegistration.
    static readonly HashSet<string> ReadOutsideSettings = ["ASPNETCORE_URLS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"];

    [Fact]
    public void The_api_service_builds_the_api_image_and_publishes_its_port()
    {
        var api = Service("api");
        var build = (YamlMappingNode)api["build"];
        var dockerfile = Path.Combine(Root, Scalar(build["context"]), Scalar(build["dockerfile"]));
        var text = File.ReadAllText(dockerfile);
        text.ShouldContain("EXPOSE 8080");
        text.ShouldContain("ENTRYPOINT [\"dotnet\", \"EdgeAllowlist.Api.dll\"]");
        text.ShouldContain("COPY function/ function/");
        Environment(api)["ASPNETCORE_URLS"].ShouldEndWith(":8080");
        ((YamlSequenceNode)api["ports"]).Children.Select(Scalar).ShouldContain(p => p.EndsWith(":8080"));
    }

    [Fact]
    public void Every_environment_variable_of_the_api_is_a_setting_the_service_reads()
    {
        var known = new HashSet<string>(ReadOutsideSettings);
        Flatten(JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "src/EdgeAllowlist.Api/appsettings.json")))!, "", known);
        foreach (var property in typeof(KeyValueStoreClientOptions).GetProperties())
            known.Add($"{KeyValueStoreClientOptions.SectionName}__{property.Name}");
        Environment(Service("api")).Keys.Where(k => !known.Contains(k)).ShouldBeEmpty();
    }

    [Fact]
    public void The_api_points_at_the_emulators_store_and_the_postgres_services_database()
    {
        var api = Environment(Service("api"));
        var kvs = Environment(Service("kvs"));
        api["Kvs__Arn"].ShouldBe(kvs["Emulator__Stores__0"]);
        new Uri(api["Kvs__EndpointOverride"]).Host.ShouldBe("kvs");
        api["AWS_ACCESS_KEY_ID"].ShouldBe(kvs["Emulator__Credentials__0__AccessKeyId"]);
        api["AWS_SECRET_ACCESS_KEY"].ShouldBe(kvs["Emulator__Credentials__0__SecretAccessKey"]);

        var postgres = Environment(Service("postgres"));
        var connection = new NpgsqlConnectionStringBuilder(api["Database__ConnectionString"]);
        connection.Host.ShouldBe("postgres");
        connection.Username.ShouldBe(postgres["POSTGRES_USER"]);
        connection.Password.ShouldBe(postgres["POSTGRES_PASSWORD"]);
        connection.Database.ShouldBe(postgres["POSTGRES_DB"]);
        var dependsOn = (YamlMappingNode)Service("api")["depends_on"];
        dependsOn.Children.Keys.Select(Scalar).Order().ShouldBe(["kvs", "postgres"]);
    }

    static void Flatten(JsonNode node, string prefix, HashSet<string> keys)
    {
        if (node is JsonObject obj)
            foreach (var (name, child) in obj)
                Flatten(child!, prefix.Length == 0 ? name : $"{prefix}__{name}", keys);
        else
            keys.Add(prefix);
    }

    static YamlMappingNode Service(string name)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        return (YamlMappingNode)services[name];
    }

    static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(e => Scalar(e.Key), e => ResolveDefault(Scalar(e.Value)));

    /// <summary><c>${NAME:-default}</c> as Compose resolves it with NAME unset.</summary>
    static string ResolveDefault(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\{[A-Z_]+:-([^}]*)\}", m => m.Groups[1].Value);

    static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

}
