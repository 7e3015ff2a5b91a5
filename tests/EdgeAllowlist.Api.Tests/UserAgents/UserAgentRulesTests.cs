using CsCheck;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Store;

namespace EdgeAllowlist.Api.Tests.UserAgents;

/// <summary>The packing has to read back exactly what it wrote, or a delete would remove the wrong pattern.</summary>
public sealed class UserAgentRulesTests
{
    static readonly string[] Regexes = ["Chrome/\\d+", "(?:iPhone|iPad)", PatternGuard.Compile("(iPhone|iPad).*AppleWebKit"), "curl|wget", "[a-z]{2,5}\\/[0-9.]+", "Mozilla\\/5\\.0 \\(X11", "a[|)]b", "x(?:y|z)w"];

    static readonly Gen<string> Pattern = Gen.OneOf(
        Gen.String[Gen.Char["abcXYZ019 /.;()[]|\\+*?^${}-"], 1, 120].Select(PatternGuard.Escape),
        Gen.Int[0, Regexes.Length - 1].Select(i => Regexes[i]));

    [Fact]
    public void Packed_shards_read_back_as_the_same_rules_in_the_same_lists()
    {
        Gen.Select(Gen.Bool, Pattern).List[0, 30].Sample(items =>
        {
            var rules = items.Select(i => UserAgentRule.From(i.Item1 ? UserAgentRule.Allow : UserAgentRule.Deny, i.Item2, -1))
                .DistinctBy(r => r.Id).ToList();
            IReadOnlyList<string> shards;
            try
            {
                shards = UserAgentRules.Pack(rules);
            }
            catch (Infrastructure.Writer.MutationRejectedException)
            {
                return;
            }
            var state = shards.Select((v, n) => (Key: KvsLayout.UserAgentShardKey(n), Value: v)).ToDictionary(e => e.Key, e => e.Value);
            state.Values.ShouldAllBe(v => KvsLimits.ByteCount(v) <= KvsLimits.MaxValueBytes);
            var read = UserAgentRules.Read(state);
            read.Select(r => (r.List, r.Regex)).OrderBy(r => r.ToString()).ShouldBe(rules.Select(r => (r.List, r.Regex)).OrderBy(r => r.ToString()));
        });
    }

    [Theory]
    [InlineData("Mozilla/5.0 (iPhone)", true)]
    [InlineData("Chrome", true)]
    [InlineData("Chrome/\\d+", false)]
    [InlineData("a|b", false)]
    public void A_regex_of_literal_characters_only_reads_back_as_a_substring(string text, bool literal)
    {
        var rule = UserAgentRule.From(UserAgentRule.Allow, literal ? PatternGuard.Escape(text) : text, 0);
        rule.Kind.ShouldBe(literal ? UserAgentRule.Substring : UserAgentRule.RegexKind);
        rule.Pattern.ShouldBe(text);
    }

    [Theory]
    [InlineData("Chrome/\\d+")]
    [InlineData("(?:iPhone|iPad)")]
    [InlineData("^Mozilla/5\\.0 \\((?:X11|Windows NT 10\\.0)")]
    [InlineData("(foo|bar)baz")]
    [InlineData("a{1,3}b{2}")]
    [InlineData("^[a-z]+/[0-9.]+")]
    [InlineData("(?!Bot)Crawler")]
    [InlineData("Mozilla/5\\.0 .*Chrome/.*Safari/[\\d.]+")]
    [InlineData(".*bot.*")]
    [InlineData("(?:Googlebot|bingbot|Slurp|DuckDuckBot)/[0-9.]+")]
    [InlineData("^(?:AppleCoreMedia|ExoPlayer|stagefright)/")]
    [InlineData("curl|wget|python-requests/\\d+")]
    [InlineData("Dalvik/\\d+\\.\\d+$")]
    public void Everyday_patterns_pass_the_guard(string pattern) => PatternGuard.Check(pattern).ShouldBeNull();

    [Theory]
    [InlineData("(iPhone|iPad).*AppleWebKit", @"^(?:(?!(?:(iPhone|iPad)))[\s\S])*(?:(iPhone|iPad))(?:(?!(?:AppleWebKit))[\s\S])*(?:AppleWebKit)")]
    [InlineData("^Roku.*4K|Chrome", @"^(?:Roku)(?:(?!(?:4K))[\s\S])*(?:4K)|Chrome")]
    [InlineData(".*bot", @"^(?:(?!(?:))[\s\S])*(?:)(?:(?!(?:bot))[\s\S])*(?:bot)")]
    [InlineData("Chrome/\\d+", "Chrome/\\d+")]
    public void A_dot_star_compiles_to_one_scan_per_part_and_reads_back_as_written(string pattern, string compiled)
    {
        PatternGuard.Compile(pattern).ShouldBe(compiled);
        PatternGuard.Decompile(compiled).ShouldBe(pattern);
        UserAgentRule.From(UserAgentRule.Deny, compiled, 0).Pattern.ShouldBe(pattern);
    }

    [Fact]
    public void Counted_repeats_are_spread_so_no_shard_holds_more_than_32()
    {
        var rules = new[] { "x\\d{1,32}y", "a{20}b", "c{12}d", "curl/\\d+" }.Select(p => UserAgentRule.From(UserAgentRule.Deny, p, -1)).ToList();
        var shards = UserAgentRules.Pack(rules);
        shards.Count.ShouldBe(2);
        shards.ShouldAllBe(s => PatternGuard.RepeatWeight(System.Text.Json.Nodes.JsonNode.Parse(s)!["deny"]!.GetValue<string>()) <= PatternGuard.MaxRepeat);
    }
}
