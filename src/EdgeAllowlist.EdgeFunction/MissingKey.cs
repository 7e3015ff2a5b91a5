namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// What the <c>cloudfront</c> module's <c>get()</c> throws for a missing key. CloudFront documents only
/// that it throws; the message seen in the wild is <c>KeyNotFound</c> (platform-facts §5.2). The
/// function must not depend on it, and tests prove that by running it with other throws.
/// </summary>
/// <param name="Message">the message of the thrown Error, or the thrown string when <paramref name="AsError"/> is false.</param>
/// <param name="AsError">true: <c>throw new Error(Message)</c>; false: <c>throw Message</c> (a value that is not an Error).</param>
public sealed record MissingKey(string Message, bool AsError = true)
{
    /// <summary>The observed behaviour: <c>Error: KeyNotFound</c>.</summary>
    public static readonly MissingKey Observed = new("KeyNotFound");
}
