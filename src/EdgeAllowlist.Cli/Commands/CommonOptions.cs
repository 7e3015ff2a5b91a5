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
        Description = "text (tables and progress) or json (one JSON document on stdout, for scripts)",
        DefaultValueFactory = _ => OutputFormat.Text,
        Recursive = true,
    };

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
        Description = "Admin API base URL (default: EDGE_ALLOWLIST_API); the token comes from EDGE_ALLOWLIST_TOKEN",
        DefaultValueFactory = _ => Uri.TryCreate(Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_API"), UriKind.Absolute, out var uri) ? uri : null,
        CustomParser = AbsoluteUri,
    };

    /// <summary>The admin API client, or null when the URL or the token is missing (the caller says which).</summary>
    public AdminApiClient? AdminApi(ParseResult parse) =>
        parse.GetValue(Api) is { } api && environment.ApiToken is { Length: > 0 } token ? new(environment.Http, api, token) : null;

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
