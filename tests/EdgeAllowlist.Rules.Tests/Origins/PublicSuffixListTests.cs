using EdgeAllowlist.Rules.Origins;

namespace EdgeAllowlist.Rules.Tests.Origins;

/// <summary>The Public Suffix List algorithm on a small list of each kind of rule, and the vendored list itself.</summary>
public sealed class PublicSuffixListTests
{
    static readonly PublicSuffixList Small = new(
    [
        "// ===BEGIN ICANN DOMAINS===", "com", "uk", "co.uk", "jp", "kyoto.jp", "*.kobe.jp", "!city.kobe.jp", "*.ck", "!www.ck",
        "", "  // an indented comment", "公司.cn", "cn", "org extra text after whitespace is ignored",
        "// ===BEGIN PRIVATE DOMAINS===", "github.io",
    ], OriginName.ToAscii);

    [Theory]
    [InlineData("com", "com")]
    [InlineData("example.com", "com")]
    [InlineData("a.b.example.com", "com")]
    [InlineData("example.co.uk", "co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("example.uk", "uk")]
    [InlineData("example.kyoto.jp", "kyoto.jp")]
    [InlineData("kobe.jp", "jp")]
    [InlineData("c.kobe.jp", "c.kobe.jp")]
    [InlineData("b.c.kobe.jp", "c.kobe.jp")]
    [InlineData("city.kobe.jp", "kobe.jp")]
    [InlineData("www.city.kobe.jp", "kobe.jp")]
    [InlineData("ck", "ck")]
    [InlineData("test.ck", "test.ck")]
    [InlineData("b.test.ck", "test.ck")]
    [InlineData("www.ck", "ck")]
    [InlineData("www.www.ck", "ck")]
    [InlineData("xn--55qx5d.cn", "xn--55qx5d.cn")]
    [InlineData("shop.xn--55qx5d.cn", "xn--55qx5d.cn")]
    [InlineData("example.org", "org")]
    [InlineData("example.github.io", "github.io")]
    [InlineData("example.unlisted", "unlisted")]
    public void The_prevailing_rule_gives_the_public_suffix(string host, string suffix) =>
        Small.PublicSuffixOf(host).ShouldBe(suffix);

    [Theory]
    [InlineData("co.uk", true)]
    [InlineData("c.kobe.jp", true)]
    [InlineData("city.kobe.jp", false)]
    [InlineData("www.ck", false)]
    [InlineData("github.io", true)]
    [InlineData("example.github.io", false)]
    [InlineData("unlisted", true)]
    [InlineData("example.unlisted", false)]
    public void A_host_is_a_public_suffix_only_when_it_is_its_own_suffix(string host, bool expected) =>
        Small.IsPublicSuffix(host).ShouldBe(expected);

    [Theory]
    [InlineData("co.uk")]
    [InlineData("github.io")]
    [InlineData("cloudfront.net")]
    [InlineData("s3.amazonaws.com")]
    [InlineData("herokuapp.com")]
    [InlineData("xn--55qx5d.cn")]
    [InlineData("anything.ck")]
    [InlineData("eu-west-1.compute.amazonaws.com")]
    // Private-section entries added after the 2023 copy (issue 20): a wildcard over any was accepted.
    [InlineData("ngrok-free.app")]
    [InlineData("ngrok.app")]
    [InlineData("replit.app")]
    [InlineData("lovable.app")]
    [InlineData("val.run")]
    public void The_vendored_list_has_icann_private_wildcard_and_idn_suffixes(string host) =>
        PublicSuffixList.Embedded.IsPublicSuffix(host).ShouldBeTrue(host);

    [Theory]
    [InlineData("example.co.uk")]
    [InlineData("example.github.io")]
    [InlineData("d111111abcdef8.cloudfront.net")]
    [InlineData("www.ck")]
    [InlineData("example.com")]
    public void Names_registered_under_a_suffix_are_not_suffixes(string host) =>
        PublicSuffixList.Embedded.IsPublicSuffix(host).ShouldBeFalse(host);

    [Fact]
    public void The_whole_vendored_list_is_read_and_every_rule_has_an_ascii_form()
    {
        PublicSuffixList.Embedded.RuleCount.ShouldBeGreaterThan(9000);
        PublicSuffixList.Embedded.Unconvertible.ShouldBe(0);
    }

    [Fact]
    public void The_lists_date_is_read_from_the_header_refresh_psl_writes()
    {
        var file = Path.Combine(RepositoryPaths.Root, "src", "EdgeAllowlist.Rules", "Origins", "PublicSuffix", "public_suffix_list.dat");
        var header = File.ReadLines(file).Single(l => l.StartsWith(PublicSuffixList.DateLine, StringComparison.Ordinal));

        PublicSuffixList.Embedded.ListDate.ShouldBe(DateOnly.ParseExact(header[PublicSuffixList.DateLine.Length..].Trim(), "yyyy-MM-dd"));
        new PublicSuffixList(["com"], OriginName.ToAscii).ListDate.ShouldBeNull();
    }
}
