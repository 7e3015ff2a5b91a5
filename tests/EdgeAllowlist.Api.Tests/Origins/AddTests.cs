using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Origins;

public sealed class AddTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Theory]
    [InlineData("https://www.example.com", "https://www.example.com")]
    [InlineData("HTTPS://WWW.Example.COM", "https://www.example.com")]
    [InlineData("https://www.example.com:443", "https://www.example.com")]
    [InlineData("http://www.example.com:80", "http://www.example.com")]
    [InlineData("http://localhost:8080", "http://localhost:8080")]
    [InlineData("https://bücher.example", "https://xn--bcher-kva.example")]
    [InlineData("https://*.example.com", "https://*.example.com")]
    [InlineData("https://*.Sub.Example.com:8443", "https://*.sub.example.com:8443")]
    [InlineData("http://127.0.0.1:3000", "http://127.0.0.1:3000")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("https://[2001:DB8:0:0:0:0:0:1]", "https://[2001:db8::1]")]
    [InlineData("https://*.example.co.uk", "https://*.example.co.uk")]
    [InlineData("https://*.mysite.github.io", "https://*.mysite.github.io")]
    [InlineData("https://*.d111111abcdef8.cloudfront.net", "https://*.d111111abcdef8.cloudfront.net")]
    [InlineData("https://*.www.ck", "https://*.www.ck")]
    [InlineData("https://ＥＸＡＭＰＬＥ.com", "https://example.com")]
    [InlineData("https://www.ｅｘａｍｐｌｅ．com", "https://www.example.com")]
    [InlineData("https://www.example。com", "https://www.example.com")]
    [InlineData("https://XN--BCHER-KVA.example", "https://xn--bcher-kva.example")]
    [InlineData("https://faß.example", "https://xn--fa-hia.example")]
    [InlineData("https://example.com:8443", "https://example.com:8443")]
    public async Task Origins_are_stored_in_the_one_spelling_the_function_looks_up(string input, string normalized)
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/origins", new { origin = input });
        var body = await response.JsonAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body.ToJsonString());
        body["origin"]!.GetValue<string>().ShouldBe(normalized);
        var stored = await host.Service<IKeyValueStore>().GetAsync("o:" + normalized);
        stored.ShouldNotBeNull().Value.ShouldBe("{}");
    }

    [Theory]
    [InlineData("null", "null")]
    [InlineData("", "required")]
    [InlineData("www.example.com", "scheme://host")]
    [InlineData("ftp://example.com", "only http and https")]
    [InlineData("https://example.com/", "path")]
    [InlineData("https://example.com/app", "path")]
    [InlineData("https://example.com?x=1", "query")]
    [InlineData("https://example.com#top", "fragment")]
    [InlineData("https://user:pw@example.com", "user-info")]
    [InlineData("https://a.*.example.com", "leftmost")]
    [InlineData("https://*example.com", "leftmost")]
    [InlineData("https://*.com", "two labels")]
    [InlineData("https://example.com:0", "port")]
    [InlineData("https://example.com:00000", "port")]
    [InlineData("https://example.com:0443", "leading zero")]
    [InlineData("https://example.com:70000", "port")]
    [InlineData("https://example.com:", "port")]
    [InlineData("http://2130706433", "IPv4")]
    [InlineData("http://0177.0.0.1", "IPv4")]
    [InlineData("http://0x7f.0.0.1", "IPv4")]
    [InlineData("http://127.1", "IPv4")]
    [InlineData("http://[fe80::1%25eth0]", "percent")]
    [InlineData("http://[::1", "IPv6")]
    [InlineData("https://exa mple.com", "whitespace")]
    [InlineData("https://example.com.", "trailing dot")]
    [InlineData("https://-bad-.example.com", "domain name")]
    [InlineData("https://*.127.0.0.1", "wildcard on an IP")]
    public async Task Anything_that_is_not_an_origin_is_refused_naming_the_field_and_nothing_is_written(string input, string reason)
    {
        using var admin = host.Admin();
        var before = await host.Service<IKeyValueStore>().DescribeAsync();
        var problem = await (await admin.PostJsonAsync("/v1/origins", new { origin = input })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("origin");
        problem.ToJsonString().ShouldContain(reason, Case.Insensitive);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(before.ETag);
    }

    [Fact]
    public async Task Adding_the_same_origin_twice_changes_nothing_the_second_time()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://twice.example.com" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        (await admin.PostJsonAsync("/v1/origins", new { origin = "HTTPS://TWICE.example.com:443" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        var audit = await admin.GetJsonAsync("/v1/audit?action=origin.add&target=https%3A%2F%2Ftwice.example.com");
        audit["items"]!.AsArray().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task An_expiry_is_written_into_the_value_and_a_note_only_into_the_database()
    {
        using var admin = host.Admin();
        var expires = DateTimeOffset.UtcNow.AddDays(3);
        var response = await admin.PostJsonAsync("/v1/origins", new { origin = "https://partner-preview.example.com", expiresAt = expires, note = "preview until the launch; ticket 4711" });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        body["note"]!.GetValue<string>().ShouldBe("preview until the launch; ticket 4711");
        var stored = await host.Service<IKeyValueStore>().GetAsync("o:https://partner-preview.example.com");
        stored.ShouldNotBeNull().Value.ShouldBe($$"""{"exp":{{expires.ToUnixTimeSeconds()}}}""");
    }

    [Fact]
    public async Task An_expiry_in_the_past_is_refused()
    {
        using var admin = host.Admin();
        var problem = await (await admin.PostJsonAsync("/v1/origins", new { origin = "https://late.example.com", expiresAt = DateTimeOffset.UtcNow.AddHours(-1) }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("expiresAt");
    }
}
