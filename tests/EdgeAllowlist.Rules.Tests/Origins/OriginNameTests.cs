using System.Text.RegularExpressions;
using CsCheck;
using EdgeAllowlist.Rules.Origins;

namespace EdgeAllowlist.Rules.Tests.Origins;

/// <summary>Properties of the normalisation, over generated origins (the HTTP tests cover the messages).</summary>
public sealed partial class OriginNameTests
{
    static readonly Gen<string> Label = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789üßé"].Array[1, 12].Select(c => new string(c))
        .Where(l => !l.All(char.IsAsciiDigit));

    static readonly Gen<string> Origin =
        Gen.Select(Gen.Int[0, 3].Select(i => new[] { "http", "https", "HTTP", "Https" }[i]), Gen.Bool, Label.Array[1, 4], Gen.Int[0, 70000], Gen.Bool)
            .Select((scheme, wildcard, labels, port, withPort) =>
                $"{scheme}://{(wildcard ? "*." : "")}{string.Join('.', labels)}{(withPort ? $":{port}" : "")}");

    [Fact]
    public void Normalising_twice_changes_nothing_and_yields_the_spelling_the_function_expects() =>
        Origin.Sample(input =>
        {
            if (!OriginName.TryNormalize(input, out var origin, out _))
                return;
            OriginName.TryNormalize(origin, out var again, out var error).ShouldBeTrue(error);
            again.ShouldBe(origin);
            ContractSpelling().IsMatch(origin).ShouldBeTrue(origin);
            // The default port is dropped; http://x:443 and https://x:80 are other origins and keep theirs.
            if (origin.StartsWith("https:", StringComparison.Ordinal))
                origin.ShouldNotEndWith(":443");
            else
                origin.ShouldNotEndWith(":80");
        });

    [Fact]
    public void A_wildcard_always_keeps_at_least_two_labels_after_it() =>
        Origin.Sample(input =>
        {
            if (OriginName.TryNormalize(input, out var origin, out _) && origin.Contains('*'))
                origin.Split("://")[1].Split(':')[0].Split('.').Length.ShouldBeGreaterThanOrEqualTo(3);
        });

    [GeneratedRegex(@"^https?://(\*\.)?[a-z0-9._-]+(:[0-9]{1,5})?$")]
    private static partial Regex ContractSpelling();
}
