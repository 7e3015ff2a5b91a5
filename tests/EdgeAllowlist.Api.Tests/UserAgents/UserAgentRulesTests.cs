using System.Text.Json.Nodes;
using CsCheck;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.Api.Tests.UserAgents;

/// <summary>The packing has to read back exactly what it wrote, or a delete would remove the wrong rule; a schema-1 store has to read as what it decided.</summary>
public sealed class UserAgentRulesTests
{
    static readonly Gen<(string Kind, string Pattern)> Rule = Gen.Select(
        Gen.OneOf(UserAgentMatcher.Contains, UserAgentMatcher.Prefix, UserAgentMatcher.Exact, UserAgentMatcher.Wildcard),
        Gen.String[Gen.Char["abcXYZ019 /.;()[]|\\+?^${}-"], 1, 120],
        Gen.Int[0, 3],
        (kind, text, stars) => (kind, kind == UserAgentMatcher.Wildcard ? string.Join('*', Enumerable.Range(0, stars + 1).Select(i => text[..Math.Min(text.Length, i + 3)])) : text));

    [Fact]
    public void Packed_shards_read_back_as_the_same_rules_in_the_same_lists()
    {
        Gen.Select(Gen.Bool, Rule).List[0, 40].Sample(items =>
        {
            var rules = items.Where(i => UserAgentMatcher.Check(i.Item2.Kind, i.Item2.Pattern) is null)
                .Select(i => UserAgentRule.FromGlob(i.Item1 ? UserAgentRule.Allow : UserAgentRule.Deny, UserAgentMatcher.Compile(i.Item2.Kind, i.Item2.Pattern), -1))
                .DistinctBy(r => r.Id).ToList();
            IReadOnlyList<string> shards;
            try
            {
                shards = UserAgentRules.Pack(rules);
            }
            catch (MutationRejectedException)
            {
                return;
            }
            var state = shards.Select((v, n) => (Key: KvsLayout.UserAgentShardKey(n), Value: v)).ToDictionary(e => e.Key, e => e.Value);
            state.Values.ShouldAllBe(v => KvsLimits.ByteCount(v) <= KvsLimits.MaxValueBytes);
            var read = UserAgentRules.Read(state);
            read.Select(r => (r.List, r.Glob, r.Id)).OrderBy(r => r.ToString()).ShouldBe(rules.Select(r => (r.List, r.Glob, r.Id)).OrderBy(r => r.ToString()));
            read.ShouldAllBe(r => UserAgentMatcher.Compile(r.Kind, r.Pattern) == r.Glob);
        });
    }

    [Theory]
    [InlineData("contains", "AppleCoreMedia/", "*AppleCoreMedia/*")]
    [InlineData("substring", "AppleCoreMedia/", "*AppleCoreMedia/*")]
    [InlineData("prefix", "curl/", "curl/*")]
    [InlineData("exact", "Roku/DVP-12.5", "Roku/DVP-12.5")]
    [InlineData("wildcard", "Mozilla/**Chrome/*", "Mozilla/*Chrome/*")]
    [InlineData("wildcard", "*ExoPlayer*", "*ExoPlayer*")]
    public void Each_kind_is_a_glob_and_reads_back_as_its_simplest_spelling(string kind, string pattern, string glob)
    {
        UserAgentMatcher.Compile(kind, pattern).ShouldBe(glob);
        var rule = UserAgentRule.FromGlob(UserAgentRule.Allow, glob, 0);
        UserAgentMatcher.Compile(rule.Kind, rule.Pattern).ShouldBe(glob);
        rule.Id.ShouldBe(UserAgentRule.FromGlob(UserAgentRule.Allow, glob.ToUpperInvariant(), 0).Id, "matching ignores case, so case does not make another rule");
    }

    [Theory]
    [InlineData("AppleCoreMedia", "*AppleCoreMedia*")]
    [InlineData("^curl/", "curl/*")]
    [InlineData("^Roku/DVP$", "Roku/DVP")]
    [InlineData("bot$", "*bot")]
    [InlineData(@"python\-requests", "*python-requests*")]
    [InlineData("^Mozilla/.*Chrome/", "Mozilla/*Chrome/*")]
    [InlineData("(?:Smart)TV", "*SmartTV*")]
    [InlineData(@"^(?:(?!(?:iPhone))[\s\S])*(?:iPhone)(?:(?!(?:Safari))[\s\S])*(?:Safari)", "*iPhone*Safari*")]
    public void A_regex_with_an_exact_equivalent_becomes_that_glob(string regex, string glob)
    {
        // The last one is the scan the schema-1 guard compiled 'iPhone.*Safari' to: it reads back as written first.
        var rules = UserAgentRules.Read(new Dictionary<string, string> { ["ua:0"] = new JsonObject { ["deny"] = $"(?:{regex})" }.ToJsonString() });

        rules.ShouldHaveSingleItem().Glob.ShouldBe(glob);
    }

    [Theory]
    [InlineData(@"Chrome/\d+", "*Chrome/*")]
    [InlineData("(iPhone|iPad).*AppleWebKit", "*AppleWebKit*")]
    [InlineData("^[a-z]+bot$", "*bot")]
    [InlineData("(a+)+$", null)]
    public void A_regex_without_an_equivalent_has_a_nearest_wildcard_that_matches_more_never_less(string regex, string? nearest)
    {
        LegacyRegex.ToGlob(regex).ShouldBe((null, nearest));
    }

    [Fact]
    public void A_schema_1_store_is_rewritten_as_globs_and_schema_2_by_the_first_change()
    {
        var state = new Dictionary<string, string>
        {
            ["cfg"] = """{"v":1,"mode":"enforce","ua":1}""",
            ["ua:0"] = """{"allow":"(?:AppleCoreMedia/)|(?:^ExoPlayer)","deny":"(?:curl|wget)"}""",
        };

        var writes = UserAgentRules.Plan(state, rules => rules, "ua.update");

        writes.Single(w => w.Key == "ua:0").Value.ShouldBe("""{"allow":["*AppleCoreMedia/*","ExoPlayer*"],"deny":["*curl*","*wget*"]}""");
        var cfg = JsonNode.Parse(writes.Single(w => w.Key == "cfg").Value!)!;
        (cfg["v"]!.GetValue<int>(), cfg["ua"]!.GetValue<int>(), cfg["mode"]!.GetValue<string>()).ShouldBe((2, 1, "enforce"));
    }

    [Fact]
    public void A_schema_1_regex_without_an_equivalent_blocks_every_rewrite_but_its_own_deletion()
    {
        var state = new Dictionary<string, string>
        {
            ["cfg"] = """{"v":1,"ua":1}""",
            ["ua:0"] = """{"allow":"(?:AppleCoreMedia/)","deny":"(?:Chrome/\\d+)"}""",
        };
        var stuck = UserAgentRules.Read(state).Single(r => r.List == UserAgentRule.Deny);
        (stuck.Kind, stuck.Glob, stuck.Nearest).ShouldBe(("regex", null, "*Chrome/*"));

        var refused = Should.Throw<MutationRejectedException>(() => UserAgentRules.Plan(state, rules => rules, "ua.update"));

        refused.Message.ShouldContain("'*Chrome/*'");
        refused.Message.ShouldContain(stuck.Id);
        UserAgentRules.Plan(state, rules => [.. rules.Where(r => r.Id != stuck.Id)], "ua.delete")
            .Single(w => w.Key == "ua:0").Value.ShouldBe("""{"allow":["*AppleCoreMedia/*"]}""");
    }
}
