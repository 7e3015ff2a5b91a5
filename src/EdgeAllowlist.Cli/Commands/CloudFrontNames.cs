using System.Text.RegularExpressions;

namespace EdgeAllowlist.Cli.Commands;

/// <summary>CloudFront's name rule for functions and KeyValueStores alike (model pattern <c>[a-zA-Z0-9-_]{1,64}</c>).</summary>
static partial class CloudFrontNames
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}
