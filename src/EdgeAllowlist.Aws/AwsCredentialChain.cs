using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace EdgeAllowlist.Aws;

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
            throw Explain(e, (source as ProfileCredentials)?.Profile);
        }
    }

    /// <summary>
    /// The credentials of one profile of the shared config and credentials files (<c>--profile</c>): static
    /// keys, assume-role or SSO, as the default chain would take them for <c>AWS_PROFILE</c>.
    /// </summary>
    /// <exception cref="AwsCredentialsException">The profile is in neither file, or holds nothing that gives credentials.</exception>
    public static AWSCredentials FromProfile(string profile)
    {
        var files = new CredentialProfileStoreChain();
        if (!files.TryGetProfile(profile, out _))
            throw new AwsCredentialsException(ProfileSource(profile, "--profile"), "no such profile", ProfileFix(profile), null);
        try
        {
            return files.TryGetAWSCredentials(profile, out var credentials)
                ? new ProfileCredentials(profile, credentials)
                : throw new AwsCredentialsException(ProfileSource(profile, "--profile"), "the profile holds no keys, role or SSO settings", ProfileFix(profile), null);
        }
        catch (Exception e) when (Explainable(e))
        {
            throw Explain(e, profile);
        }
    }

    /// <summary>The <c>region</c> of the profile, or null when there is none.</summary>
    public static string? ProfileRegion(string profile) =>
        new CredentialProfileStoreChain().TryGetProfile(profile, out var found) ? found.Region?.SystemName : null;

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

    static AwsCredentialsException Explain(Exception e, string? profile = null)
    {
        var (source, fix) = profile is null ? SelectedSource() : (ProfileSource(profile, "--profile"), ProfileFix(profile));
        return new(source, Reason(e), fix, e);
    }

    static string ProfileSource(string profile, string from) => $"profile '{profile}' ({from})";

    /// <summary>What fixes a profile, by its kind: missing, SSO, assume-role, or keys.</summary>
    static string ProfileFix(string profile)
    {
        if (!new CredentialProfileStoreChain().TryGetProfile(profile, out var found))
            return $"add [profile {profile}] to ~/.aws/config (AWS_CONFIG_FILE) or [{profile}] to ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), or name a profile that is there";
        var options = found.Options;
        if (!string.IsNullOrEmpty(options.SsoStartUrl) || !string.IsNullOrEmpty(options.SsoSession))
            return $"run 'aws sso login --profile {profile}' to refresh the cached SSO token, and check sso_account_id and sso_role_name";
        if (!string.IsNullOrEmpty(options.RoleArn))
            return $"check that source_profile (or credential_source) of [profile {profile}] has keys and that role_arn trusts them";
        return $"check aws_access_key_id and aws_secret_access_key of [{profile}]";
    }

    /// <summary>The source the chain takes first for this process's environment, and what usually fixes it.</summary>
    public static (string Source, string Fix) SelectedSource()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        if (Get("AWS_ACCESS_KEY_ID") is not null)
            return ("environment variables (AWS_ACCESS_KEY_ID)", "set AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys) to the pair of AWS_ACCESS_KEY_ID");
        if (Get("AWS_PROFILE") is { } profile)
            return (ProfileSource(profile, "AWS_PROFILE"), ProfileFix(profile));
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
public sealed class AwsCredentialsException(string source, string reason, string fix, Exception? innerException)
    : Exception($"No AWS credentials from {source}: {reason}", innerException)
{
    public string CredentialSource { get; } = source;

    public string Reason { get; } = reason;

    public string Fix { get; } = fix;

    /// <summary>The failure and the fix, one line: what a command prints.</summary>
    public string OneLine => $"{Message}. Fix: {Fix}.";
}

/// <summary>Credentials of a profile named on the command line, so that a failure names that profile rather than the environment's.</summary>
sealed class ProfileCredentials(string profile, AWSCredentials inner) : AWSCredentials
{
    public string Profile { get; } = profile;

    public override ImmutableCredentials GetCredentials() => inner.GetCredentials();

    public override Task<ImmutableCredentials> GetCredentialsAsync() => inner.GetCredentialsAsync();
}
