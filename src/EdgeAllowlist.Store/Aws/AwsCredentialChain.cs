using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace EdgeAllowlist.Store.Aws;

/// <summary>
/// AWSSDK.Core's standard credential chain (environment, profile with assume-role or SSO, web identity,
/// container, instance metadata) with its failures explained: which source the environment selects and
/// what to fix, in one line, instead of the SDK's exception and stack trace.
/// </summary>
public static partial class AwsCredentialChain
{
    const int MaxReasonLength = 200;

    /// <summary>
    /// The current credentials of <paramref name="credentials"/>, or of the default chain when null. Asked per
    /// call: temporary credentials refresh themselves near expiry, and a chain that found nothing yet is asked again.
    /// </summary>
    public static async Task<ImmutableCredentials> ResolveAsync(AWSCredentials? credentials = null)
    {
        var source = credentials ?? await DefaultAsync();
        try
        {
            // Temporary sources (web identity, assume-role, SSO) call STS or SSO here, so this fails too.
            return await source.GetCredentialsAsync();
        }
        catch (Exception e) when (Explainable(e))
        {
            throw Explain(e);
        }
    }

    /// <summary>The source the default chain finds, without asking it for keys yet.</summary>
    public static async Task<AWSCredentials> DefaultAsync()
    {
        try
        {
            return await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null);
        }
        catch (Exception e) when (Explainable(e))
        {
            throw Explain(e);
        }
    }

    // InvalidOperationException: what the SDK throws when a source's service assembly (STS, SSO) cannot be loaded.
    static bool Explainable(Exception e) =>
        e is AmazonClientException or AmazonServiceException or InvalidOperationException or IOException or UnauthorizedAccessException;

    static AwsCredentialsException Explain(Exception e)
    {
        var (source, fix) = SelectedSource();
        return new(source, Reason(e), fix, e);
    }

    /// <summary>The source the chain takes first for this process's environment, and what usually fixes it.</summary>
    public static (string Source, string Fix) SelectedSource()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        if (Get("AWS_ACCESS_KEY_ID") is not null)
            return ("environment variables (AWS_ACCESS_KEY_ID)", "set AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys) to the pair of AWS_ACCESS_KEY_ID");
        if (Get("AWS_PROFILE") is { } profile)
            return ($"profile '{profile}' (AWS_PROFILE)",
                $"check [profile {profile}] in ~/.aws/config (AWS_CONFIG_FILE); for an SSO profile run 'aws sso login --profile {profile}'; a role_arn profile needs its source_profile's keys");
        if (Get("AWS_WEB_IDENTITY_TOKEN_FILE") is { } tokenFile)
            return ($"web identity (AWS_WEB_IDENTITY_TOKEN_FILE={tokenFile}, AWS_ROLE_ARN={Get("AWS_ROLE_ARN") ?? "unset"}, STS {Get("AWS_ENDPOINT_URL_STS") ?? Get("AWS_ENDPOINT_URL") ?? "regional endpoint"})",
                "check that the token file exists and is current, that AWS_ROLE_ARN is the role to assume and that its trust policy allows sts:AssumeRoleWithWebIdentity from the token's issuer");
        return ("the default chain (environment, default profile, web identity, container, instance metadata)",
            "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or run where a role is attached");
    }

    /// <summary>Every distinct message along the exception chain, on one line and bounded.</summary>
    static string Reason(Exception error)
    {
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            var text = e is AmazonServiceException { ErrorCode: { Length: > 0 } code } && !e.Message.Contains(code, StringComparison.Ordinal) ? $"{code}: {e.Message}" : e.Message;
            text = Whitespace().Replace(text, " ").Trim().TrimEnd('.');
            if (text.Length > 0 && !messages.Any(m => m.Contains(text, StringComparison.Ordinal)))
                messages.Add(text);
        }
        var reason = string.Join(": ", messages);
        return reason.Length <= MaxReasonLength ? reason : reason[..(MaxReasonLength - 1)] + "…";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>No credentials could be had from <see cref="CredentialSource"/>; <see cref="Fix"/> says what to change.</summary>
public sealed class AwsCredentialsException(string source, string reason, string fix, Exception innerException)
    : Exception($"No AWS credentials from {source}: {reason}", innerException)
{
    public string CredentialSource { get; } = source;

    public string Reason { get; } = reason;

    public string Fix { get; } = fix;

    /// <summary>The failure and the fix, one line: what a command prints.</summary>
    public string OneLine => $"{Message}. Fix: {Fix}.";
}
