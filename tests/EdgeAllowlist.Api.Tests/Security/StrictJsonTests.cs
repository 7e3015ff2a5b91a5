using System.Net;
using System.Text;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Security;

/// <summary>
/// One reading of every body: duplicate members, unknown members and null or empty bodies are 400s
/// naming the field, a body that is not JSON is a 415, and none of them writes anything.
/// </summary>
public sealed class StrictJsonTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Theory]
    [InlineData("""{"name":"dup","scopes":["rules:read"],"scopes":["tokens:admin"]}""", "scopes")]
    [InlineData("""{"name":"dup","scopes":["rules:read"],"Scopes":["tokens:admin"]}""", "scopes")]
    [InlineData("""{"name":"dup","name":"other","scopes":["rules:read"]}""", "name")]
    public async Task A_member_given_twice_is_refused_naming_it_and_no_token_is_minted(string body, string field)
    {
        using var admin = host.Admin();
        var before = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Count;
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/tokens", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe([field]);
        problem.ToJsonString().ShouldContain("more than once");
        (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Count.ShouldBe(before);
    }

    [Fact]
    public async Task A_duplicate_inside_a_list_item_is_named_by_its_path()
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var body = """{"origins":[{"origin":"https://a.dup.example"},{"origin":"https://b.dup.example","origin":"https://c.dup.example"}]}""";
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/origins/bulk", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["origins[1].origin"]);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("PATCH", "/v1/settings", """{"publicPath":["/"]}""", "publicPath")]
    [InlineData("POST", "/v1/origins", """{"origin":"https://unknown.example","expires":"2999-01-01T00:00:00Z"}""", "expires")]
    [InlineData("POST", "/v1/origins/bulk", """{"origins":[{"origin":"https://unknown.example","notes":"x"}]}""", "origins[0].notes")]
    [InlineData("POST", "/v1/user-agents", """{"list":"deny","kind":"substring","pattern":"curl","comment":"x"}""", "comment")]
    [InlineData("POST", "/v1/desired-state/apply", """{"version":1,"origin":[]}""", "origin")]
    public async Task An_unknown_member_on_a_write_route_is_refused_naming_it(string method, string path, string body, string field)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.SendRawAsync(new HttpMethod(method), path, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe([field]);
        problem.ToJsonString().ShouldContain("not a member");
        problem.ToJsonString().ShouldNotContain("EdgeAllowlist");
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("PATCH", "/v1/settings", "null")]
    [InlineData("PATCH", "/v1/settings", "")]
    [InlineData("PATCH", "/v1/settings", "   ")]
    [InlineData("POST", "/v1/origins", "null")]
    [InlineData("POST", "/v1/tokens", "")]
    [InlineData("POST", "/v1/desired-state/apply", "null")]
    public async Task A_null_or_empty_body_on_a_write_route_is_refused_naming_the_body(string method, string path, string body)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.SendRawAsync(new HttpMethod(method), path, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["body"]);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task A_write_whose_body_is_not_declared_json_is_a_415_naming_application_json(string? contentType)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/v1/origins"), (HttpMethod.Patch, "/v1/settings"), (HttpMethod.Post, "/v1/tokens") })
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"origin":"https://415.example","mode":"off"}"""));
            if (contentType is not null)
                content.Headers.ContentType = new(contentType);
            var response = await admin.SendAsync(new HttpRequestMessage(method, path) { Content = content });
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
            problem.ErrorFields().ShouldBe(["Content-Type"]);
            problem["detail"]!.GetValue<string>().ShouldContain("application/json");
        }
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task A_well_formed_body_still_works_and_the_refusals_are_audited()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://strict-ok.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.SendRawAsync(HttpMethod.Patch, "/v1/settings", "null")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var last = (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]!.AsArray().Single()!;
        last["action"]!.GetValue<string>().ShouldBe("request.rejected");
        last["target"]!.GetValue<string>().ShouldBe("PATCH /v1/settings");
    }
}
