using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Origins;

/// <summary>
/// Only origins a browser would send: no wildcard over a public suffix, hosts mapped with UTS #46,
/// no invisible characters or broken punycode, no odd ports. Each through single add, bulk add and
/// a desired-state plan, which share one normalisation (the spellings accepted are in AddTests).
/// </summary>
public sealed class BrowserOriginTests(ApiHost host) : IClassFixture<ApiHost>
{
    // The problem as text with '+' and quotes left unescaped, to look for "U+200B" and "'_'".
    static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string, string> Refused => new()
    {
        { "https://*.co.uk", "public suffix" },
        { "https://*.github.io", "public suffix" },
        { "https://*.cloudfront.net", "public suffix" },
        { "https://*.s3.amazonaws.com", "public suffix" },
        { "https://*.herokuapp.com", "public suffix" },
        { "https://*.anything.ck", "public suffix" },
        { "https://*.xn--55qx5d.cn", "public suffix" },
        { "https://*.公司.cn", "public suffix" },
        { "https://exa\u200Bmple.com", "U+200B" },
        { "https://exa\u202Emple.com", "U+202E" },
        { "https://exa\u00ADmple.com", "U+00AD" },
        { "https://\uFEFFexample.com", "U+FEFF" },
        { "https://exa\u034Fmple.com", "U+034F" },
        { "https://xn--a.com", "punycode" },
        { "https://www.xn--a.com", "punycode" },
        { "https://a_b.example.com", "'_'" },
        { "https://example.com:0", "port" },
        { "https://example.com:00000", "port" },
        { "https://example.com:0443", "leading zero" },
        { "https://example.com:08080", "leading zero" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task An_origin_no_browser_sends_is_refused_by_single_add_naming_origin(string origin, string reason)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/origins", new { origin })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["origin"]);
        problem.ToJsonString(Readable).ShouldContain(reason, Case.Insensitive);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task An_origin_no_browser_sends_is_refused_by_bulk_add_and_by_a_plan_naming_its_path(string origin, string reason)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var bulk = await (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = new[] { new { origin = "https://fine.bulk.example" }, new { origin } } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        bulk.ErrorFields().ShouldBe(["origins[1].origin"]);
        bulk.ToJsonString(Readable).ShouldContain(reason, Case.Insensitive);

        var document = new JsonObject { ["version"] = 1, ["origins"] = new JsonArray(new JsonObject { ["origin"] = origin }) };
        var plan = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/desired-state/plan", document.ToJsonString())).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        plan.ErrorFields().ShouldBe(["origins[0].origin"]);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }
}
