namespace EdgeAllowlist.Aws;

/// <summary>
/// Endpoints configured in the environment the way every AWS SDK reads them: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>
/// (the service id upper-cased, spaces as underscores), then <c>AWS_ENDPOINT_URL</c> for all services, both
/// ignored when <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is <c>true</c>.
/// </summary>
public static class AwsEndpoints
{
    // Service ids of the models (metadata.serviceId), which name the variables.
    public const string CloudFront = "CloudFront";
    public const string KeyValueStore = "CloudFront KeyValueStore";
    public const string MediaTailor = "MediaTailor";
    public const string CloudWatchLogs = "CloudWatch Logs";

    public const string GlobalVariable = "AWS_ENDPOINT_URL";
    public const string IgnoreVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /// <summary><c>AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE</c> for <c>CloudFront KeyValueStore</c>, and so on.</summary>
    public static string VariableOf(string serviceId) => $"{GlobalVariable}_{serviceId.Replace(' ', '_').ToUpperInvariant()}";

    /// <summary>The endpoint the environment configures for <paramref name="serviceId"/>, or null.</summary>
    /// <param name="variables">Reads a variable; null: this process's environment.</param>
    /// <exception cref="InvalidEndpointException">The variable holds something other than an absolute http(s) URL; the message names it.</exception>
    public static Uri? Configured(string serviceId, Func<string, string?>? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        if (string.Equals(variables(IgnoreVariable), "true", StringComparison.OrdinalIgnoreCase))
            return null;
        foreach (var name in (string[])[VariableOf(serviceId), GlobalVariable])
        {
            if (variables(name) is not { Length: > 0 } value)
                continue;
            return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new InvalidEndpointException(name, $"{name}={value} is not an absolute http(s) URL.");
        }
        return null;
    }
}

/// <summary>An endpoint variable that is not an absolute http(s) URL; <see cref="Variable"/> names it.</summary>
public sealed class InvalidEndpointException(string variable, string message) : ArgumentException(message, variable)
{
    public string Variable { get; } = variable;
}
