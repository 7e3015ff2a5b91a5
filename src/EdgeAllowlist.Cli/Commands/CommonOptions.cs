using System.CommandLine;
using System.CommandLine.Parsing;
using Amazon.Runtime;
using EdgeAllowlist.Cli.Api;
using EdgeAllowlist.Cli.Aws;
using EdgeAllowlist.Cli.Aws.CloudFront;
using EdgeAllowlist.Cli.Aws.MediaTailor;

namespace EdgeAllowlist.Cli.Commands;

/// <summary>Options several commands share, and the clients they configure.</summary>
sealed class CommonOptions(CliEnvironment environment)
{
    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "text (lines for people), table, json (one JSON document on stdout; errors as one JSON object on stderr) or yaml (default: EDGE_ALLOWLIST_OUTPUT, else text)",
        DefaultValueFactory = result => ParseFormat(environment.DefaultOutput ?? "text", result, "EDGE_ALLOWLIST_OUTPUT"),
        CustomParser = result => ParseFormat(result.Tokens.Single().Value, result, "--output"),
        Recursive = true,
        HelpName = "text|json|yaml|table",
    };

    // No DefaultValueFactory: help prints defaults, and this one would be the token.
    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Admin API bearer token (default: EDGE_ALLOWLIST_TOKEN; prefer the variable: arguments show in the process list and shell history)",
    };

    /// <summary><c>--token</c>, else EDGE_ALLOWLIST_TOKEN.</summary>
    public string? TokenOf(ParseResult parse) => parse.GetValue(Token) ?? environment.ApiToken;

    /// <summary>The formats by their lower-case names; anything else is a usage error naming the choices.</summary>
    public static OutputFormat ParseFormat(string text, ArgumentResult result, string source)
    {
        if (TryParseFormat(text, out var format))
            return format;
        result.AddError($"{source} must be text, json, yaml or table (not '{text}').");
        return OutputFormat.Text;
    }

    public static bool TryParseFormat(string? text, out OutputFormat format)
    {
        (var known, format) = text switch
        {
            "text" => (true, OutputFormat.Text),
            "json" => (true, OutputFormat.Json),
            "yaml" => (true, OutputFormat.Yaml),
            "table" => (true, OutputFormat.Table),
            _ => (false, OutputFormat.Text),
        };
        return known;
    }

    public Option<Uri> CloudFrontEndpoint { get; } = new("--cloudfront-endpoint")
    {
        Description = "CloudFront control-plane endpoint (for tests and proxies)",
        DefaultValueFactory = _ => CloudFrontClient.DefaultEndpoint,
        CustomParser = AbsoluteUri,
    };

    public Option<string> Region { get; } = new("--region")
    {
        Description = "AWS region of the MediaTailor playback configuration (default: AWS_REGION, else us-east-1)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1",
    };

    public Option<Uri?> MediaTailorEndpoint { get; } = new("--mediatailor-endpoint")
    {
        Description = "MediaTailor endpoint (default: https://api.mediatailor.<region>.amazonaws.com)",
        CustomParser = AbsoluteUri,
    };

    public Option<Uri?> Api { get; } = new("--api")
    {
        Description = "Admin API base URL (default: EDGE_ALLOWLIST_API); the token comes from --token or EDGE_ALLOWLIST_TOKEN",
        DefaultValueFactory = _ => Uri.TryCreate(environment.DefaultApi, UriKind.Absolute, out var uri) ? uri : null,
        CustomParser = AbsoluteUri,
    };

    /// <summary>Adds <c>--api</c> and <c>--token</c>, which every command that calls the admin API takes.</summary>
    public T WithApi<T>(T command) where T : Command
    {
        command.Options.Add(Api);
        command.Options.Add(Token);
        return command;
    }

    /// <summary>The admin API client, or null when the URL or the token is missing (the caller says which).</summary>
    public AdminApiClient? AdminApi(ParseResult parse) =>
        parse.GetValue(Api) is { } api && TokenOf(parse) is { Length: > 0 } token ? new(environment.Http, api, token) : null;

    /// <summary>What to say when <see cref="AdminApi"/> is null: the URL and token to set, and the scope the command needs.</summary>
    public static string NoApi(string scope) =>
        $"Set --api (or EDGE_ALLOWLIST_API) and --token (or EDGE_ALLOWLIST_TOKEN, a token with {scope}).";

    public async Task<CloudFrontClient> CloudFrontAsync(ParseResult parse) =>
        new(new SignedHttpClient(environment.Http,
            new(parse.GetRequiredValue(CloudFrontEndpoint), CloudFrontClient.SigningName, CloudFrontClient.SigningRegion),
            await ResolveCredentialsAsync(), environment.Clock));

    public async Task<MediaTailorClient> MediaTailorAsync(ParseResult parse)
    {
        var region = parse.GetRequiredValue(Region);
        var endpoint = parse.GetValue(MediaTailorEndpoint) ?? MediaTailorClient.DefaultEndpoint(region);
        return new(new SignedHttpClient(environment.Http, new(endpoint, MediaTailorClient.SigningName, region), await ResolveCredentialsAsync(), environment.Clock));
    }

    /// <summary>System.CommandLine has no parser for Uri; an endpoint must be absolute http(s).</summary>
    public static Uri? AbsoluteUri(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return uri;
        result.AddError($"{text} is not an absolute http(s) URL.");
        return null;
    }

    Task<AWSCredentials> ResolveCredentialsAsync() => environment.Credentials();
}
