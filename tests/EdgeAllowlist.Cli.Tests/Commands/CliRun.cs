using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands;

/// <summary>One in-process run of <c>edge-allowlist</c> with captured stdout and stderr and the example credentials.</summary>
sealed record CliRun(int ExitCode, string Out, string Error)
{
    public JsonObject Json => JsonNode.Parse(Out)!.AsObject();

    /// <summary>Under -o json a failure is one JSON object on stderr.</summary>
    public JsonObject ErrorJson => JsonNode.Parse(Error)!.AsObject();

    public static Task<CliRun> RunAsync(params string[] args) => RunWithInputAsync("", args);

    public static Task<CliRun> RunWithInputAsync(string stdin, params string[] args) =>
        RunWithCredentialsAsync(() => Task.FromResult(TestAws.Credentials), stdin, args);

    public static Task<CliRun> RunWithCredentialsAsync(Func<Task<AWSCredentials>> credentials, string stdin, params string[] args) =>
        RunAsync(credentials, apiToken: null, stdin, args);

    public static Task<CliRun> RunWithApiTokenAsync(string? apiToken, params string[] args) =>
        RunAsync(() => Task.FromResult(TestAws.Credentials), apiToken, "", args);

    /// <summary>A run with the target API's token and, for promotion, the source API's token; <paramref name="stdin"/> answers prompts.</summary>
    public static Task<CliRun> RunWithApiTokensAsync(string? apiToken, string? sourceApiToken, string stdin, params string[] args) =>
        RunAsync(() => Task.FromResult(TestAws.Credentials), apiToken, stdin, args, sourceApiToken);

    /// <summary>A run whose environment variables are <paramref name="variables"/> only (endpoints, region), with the example credentials.</summary>
    public static Task<CliRun> RunWithVariablesAsync(IReadOnlyDictionary<string, string> variables, params string[] args) =>
        RunAsync(() => Task.FromResult(TestAws.Credentials), null, "", args, variables: variables);


    /// <summary>A run where EDGE_ALLOWLIST_OUTPUT is <paramref name="defaultOutput"/>.</summary>
    public static Task<CliRun> RunWithDefaultOutputAsync(string? apiToken, string defaultOutput, params string[] args) =>
        RunAsync(() => Task.FromResult(TestAws.Credentials), apiToken, "", args, defaultOutput: defaultOutput);

    /// <summary>A run where EDGE_ALLOWLIST_API is <paramref name="defaultApi"/>.</summary>
    public static Task<CliRun> RunWithDefaultApiAsync(string? apiToken, Uri defaultApi, params string[] args) =>
        RunAsync(() => Task.FromResult(TestAws.Credentials), apiToken, "", args, defaultApi: defaultApi.ToString());

    static async Task<CliRun> RunAsync(Func<Task<AWSCredentials>> credentials, string? apiToken, string stdin, string[] args, string? sourceApiToken = null,
        IReadOnlyDictionary<string, string>? variables = null, string? defaultOutput = null, string? defaultApi = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new CliEnvironment
        {
            In = new StringReader(stdin),
            Out = stdout,
            Error = stderr,
            Credentials = credentials,
            ApiToken = apiToken,
            SourceApiToken = sourceApiToken,
            DefaultOutput = defaultOutput,
            DefaultApi = defaultApi,
            Http = TestAws.Http,
            AwsRetry = TestAws.Retry,
            Variables = variables is null ? Environment.GetEnvironmentVariable : name => variables.GetValueOrDefault(name),
        };
        var exitCode = await EdgeAllowlistCli.RunAsync(args, environment);
        return new(exitCode, stdout.ToString(), stderr.ToString());
    }
}
