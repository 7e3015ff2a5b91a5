using Amazon.Runtime;
using EdgeAllowlist.Aws;
using EdgeAllowlist.Aws.Core;

namespace EdgeAllowlist.Cli.Commands;

/// <summary>
/// What a command reaches outside the process: its output streams, AWS credentials, HTTP and the
/// clock. The process uses the real ones; tests hand in writers and example credentials.
/// </summary>
public sealed class CliEnvironment
{
    /// <summary>Where secrets are read from, so that they never appear in arguments, shell history or the process list.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Resolved only when a command calls AWS, so that <c>--help</c> never needs credentials.</summary>
    public required Func<Task<AWSCredentials>> Credentials { get; init; }

    /// <summary>Bearer token for the admin API (env <c>EDGE_ALLOWLIST_TOKEN</c>) when <c>--token</c> is not given.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Token for the API promoted from (<c>--from</c>, env <c>EDGE_ALLOWLIST_FROM_TOKEN</c>); the target uses <see cref="ApiToken"/>.</summary>
    public string? SourceApiToken { get; init; }

    /// <summary>Reads an environment variable (endpoints, region); the process's environment unless a test hands in its own.</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The admin API's URL when <c>--api</c> is not given (env <c>EDGE_ALLOWLIST_API</c>).</summary>
    public string? DefaultApi { get; init; }

    /// <summary>The <c>-o</c> format when it is not given (env <c>EDGE_ALLOWLIST_OUTPUT</c>): text, json, yaml or table.</summary>
    public string? DefaultOutput { get; init; }

    public HttpClient Http { get; init; } = new();

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Attempts and backoff of AWS calls; null: each client's default. Tests shorten the backoff.</summary>
    public AwsRetryOptions? AwsRetry { get; init; }

    /// <summary>
    /// Stdout and stderr, and AWSSDK.Core's standard credential chain (environment, profile, SSO, web
    /// identity, container, instance); a chain that finds nothing fails with <see cref="AwsCredentialsException"/>.
    /// </summary>
    public static CliEnvironment FromProcess() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
        Credentials = AwsCredentialChain.DefaultAsync,
        ApiToken = Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_TOKEN"),
        SourceApiToken = Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_FROM_TOKEN"),
        DefaultApi = Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_API"),
        DefaultOutput = Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_OUTPUT"),
    };
}
