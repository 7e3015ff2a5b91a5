using System.CommandLine;
using System.CommandLine.Parsing;
using Amazon.Runtime;
using EdgeAllowlist.Aws;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Aws.MediaTailor;
using EdgeAllowlist.Cli.Api;

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


    public Option<string?> Profile { get; } = new("--profile")
    {
        Description = "AWS profile of ~/.aws/config and ~/.aws/credentials (static keys, assume-role, SSO) instead of the default chain (AWS_PROFILE, …)",
        Recursive = true,
    };

    public Option<Uri?> EndpointUrl { get; } = new("--endpoint-url")
    {
        Description = "Endpoint of the AWS service the command calls, instead of AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the service's own",
        CustomParser = AbsoluteUri,
        Recursive = true,
    };

    public Option<Uri?> CloudFrontEndpoint { get; } = new("--cloudfront-endpoint")
    {
        Description = "CloudFront control-plane endpoint (default: --endpoint-url, AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL, https://cloudfront.amazonaws.com)",
        CustomParser = AbsoluteUri,
    };

    public Option<string?> Region { get; } = new("--region")
    {
        Description = "AWS region of the MediaTailor playback configuration (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1)",
    };

    public Option<Uri?> MediaTailorEndpoint { get; } = new("--mediatailor-endpoint")
    {
        Description = "MediaTailor endpoint (default: --endpoint-url, AWS_ENDPOINT_URL_MEDIATAILOR, AWS_ENDPOINT_URL, https://api.mediatailor.<region>.amazonaws.com)",
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
        new(environment.Http, Endpoint(parse, CloudFrontEndpoint, AwsEndpoints.CloudFront) ?? CloudFrontClient.DefaultEndpoint,
            await ResolveCredentialsAsync(parse), environment.Clock, environment.AwsRetry);

    public async Task<MediaTailorClient> MediaTailorAsync(ParseResult parse)
    {
        var region = RegionOf(parse);
        var endpoint = Endpoint(parse, MediaTailorEndpoint, AwsEndpoints.MediaTailor) ?? MediaTailorClient.DefaultEndpoint(region);
        return new(environment.Http, endpoint, region, await ResolveCredentialsAsync(parse), environment.Clock, environment.AwsRetry);
    }

    /// <summary>As the AWS CLI orders them: --region, AWS_REGION, AWS_DEFAULT_REGION, the region of the profile in use, us-east-1.</summary>
    public string RegionOf(ParseResult parse) =>
        parse.GetValue(Region) is { Length: > 0 } region ? region
        : environment.Variables("AWS_REGION") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : environment.Variables("AWS_DEFAULT_REGION") is { Length: > 0 } fromDefault ? fromDefault
        : AwsCredentialChain.ProfileRegion(ProfileInUse(parse)) ?? "us-east-1";

    string ProfileInUse(ParseResult parse) =>
        parse.GetValue(Profile) is { Length: > 0 } profile ? profile
        : environment.Variables("AWS_PROFILE") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : "default";

    /// <summary>The service's own flag, then --endpoint-url, then AWS_ENDPOINT_URL_&lt;SERVICE&gt; and AWS_ENDPOINT_URL; null: the service's default.</summary>
    Uri? Endpoint(ParseResult parse, Option<Uri?> serviceFlag, string serviceId) =>
        parse.GetValue(serviceFlag) ?? parse.GetValue(EndpointUrl) ?? AwsEndpoints.Configured(serviceId, environment.Variables);

    /// <summary>System.CommandLine has no parser for Uri; an endpoint must be absolute http(s).</summary>
    public static Uri? AbsoluteUri(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return uri;
        result.AddError($"{text} is not an absolute http(s) URL.");
        return null;
    }

    /// <summary>--profile names the source; otherwise the environment's (the default chain in the process).</summary>
    Task<AWSCredentials> ResolveCredentialsAsync(ParseResult parse) =>
        parse.GetValue(Profile) is { Length: > 0 } profile ? Task.FromResult(AwsCredentialChain.FromProfile(profile)) : environment.Credentials();
}
