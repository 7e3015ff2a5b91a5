using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// tests/interop/uri-encodings.mjs generates encodings of '.', '/' and '\' (decoded twice and three
/// times, overlong UTF-8 of every length, Unicode lookalikes, whitespace and control characters, each
/// with case changes) under a public path and under a manifests-scope secret, and runs them under
/// Node. Each must be uri-ambiguous, and Jint must give exactly what Node gives, for both files.
/// </summary>
public sealed class UriEncodingTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(NodeEngineTests.Files), MemberType = typeof(NodeEngineTests))]
    public async Task Every_generated_encoding_is_uri_ambiguous_on_a_public_path_and_under_the_manifests_scope_under_both_engines(string file)
    {
        var path = Path.Combine(RepositoryPaths.Root, "function", file == "dist" ? "dist" : "", "allowlist.js");
        var jint = file == "dist" ? Edge.Function : Edge.Source;
        var lines = await NodeEngineTests.RunNodeAsync(output, ["--experimental-vm-modules", "uri-encodings.mjs", path, Edge.Unix(Edge.Now).ToString()]);
        if (lines is null) return;
        using var store = await TestStore.WithAsync(EventCases.LoadFixture());

        lines.Count.ShouldBeGreaterThan(500);
        foreach (var line in lines)
        {
            var node = JsonNode.Parse(line)!.AsObject();
            var uri = node["uri"]!.GetValue<string>();
            var outcome = jint.Run(Edge.Request(uri, ("user-agent", "curl/8.5.0")), store.Store, Edge.Now);

            outcome.Header("x-allowlist-reason").ShouldBe("uri-ambiguous", uri);
            JsonNode.DeepEquals(node["output"], outcome.Output).ShouldBeTrue($"{uri}: Node {node["output"]!.ToJsonString()} vs Jint {outcome.Output.ToJsonString()}");
            node["reads"]!.GetValue<int>().ShouldBe(outcome.KvsReads, uri);
        }
    }

    [Theory]
    [InlineData("/healthz/a%20b.txt")]
    [InlineData("/healthz/v1~a-b_c.2/x.ts")]
    [InlineData("/healthz/")]
    [InlineData("/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/a%20b/x.m3u8")]
    public async Task A_plain_uri_still_passes_there(string uri)
    {
        using var store = await TestStore.WithAsync(EventCases.LoadFixture());

        Edge.Function.Run(Edge.Request(uri, ("user-agent", "curl/8.5.0")), store.Store, Edge.Now).Action.ShouldBe(EdgeAction.Pass, uri);
        Edge.Source.Run(Edge.Request(uri, ("user-agent", "curl/8.5.0")), store.Store, Edge.Now).Action.ShouldBe(EdgeAction.Pass, uri);
    }
}
