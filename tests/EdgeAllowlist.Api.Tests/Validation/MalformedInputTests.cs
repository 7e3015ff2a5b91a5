using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Validation;

/// <summary>
/// A corpus of malformed requests across the endpoints: each is refused with a 4xx problem, none
/// causes a 500, the store does not move, and the only audit entries added are the refusals.
/// </summary>
public sealed class MalformedInputTests(ApiHost host) : IClassFixture<ApiHost>
{
    static readonly string[] BadOrigins =
    [
        "", " ", "null", "NULL", "example.com", "//example.com", "https:/example.com", "https//example.com", "https://", "https://:443",
        "ftp://example.com", "file:///etc/passwd", "javascript://alert(1)", "data://x", "ws://example.com", "https://example.com/",
        "https://example.com/a", "https://example.com?", "https://example.com?a=b", "https://example.com#", "https://example.com#x",
        "https://user@example.com", "https://user:pass@example.com", "https://example.com:", "https://example.com:-1", "https://example.com:65536",
        "https://example.com:99999999", "https://example.com:80a", "https://exa mple.com", "https://example.com\t", "https://exam\u0000ple.com",
        "https://example..com", "https://.example.com", "https://example.com.", "https://-x.example.com", "https://x-.example.com",
        "https://*", "https://*.com", "https://**.example.com", "https://*.*.example.com", "https://a*.example.com", "https://a.*.example.com",
        "https://*example.com", "https://example.*", "http://2130706433", "http://0x7f000001", "http://017700000001", "http://127.1",
        "http://127.0.1", "http://0177.0.0.1", "http://127.000.000.001", "http://256.0.0.1", "http://1.2.3.4.5", "http://[::1",
        "http://::1", "http://[fe80::1%eth0]", "http://[::1]x", "http://[gggg::1]", "http://[127.0.0.1]", "https://%65xample.com",
        "https://example.com\\path", "https://" + new string('a', 64) + ".com", "https://" + string.Join('.', Enumerable.Repeat("abcdefgh", 40)),
        new string('x', 5000),
    ];

    /// <summary>Origins no browser sends (issue 9 item 4): public-suffix wildcards, invisible characters, broken punycode, odd ports.</summary>
    static readonly string[] NonBrowserOrigins =
    [
        "https://*.co.uk", "https://*.github.io", "https://*.cloudfront.net", "https://*.s3.amazonaws.com", "https://exa\u200Bmple.com",
        "https://exa\u202Emple.com", "https://exa\u00ADmple.com", "https://exa\uFEFFmple.com", "https://xn--a.com", "https://example.com:0",
        "https://example.com:00000", "https://example.com:0443",
        // Private-section suffixes newer than the 2023 list (issue 20).
        "https://*.ngrok-free.app", "https://*.ngrok.app", "https://*.replit.app", "https://*.lovable.app", "https://*.val.run",
    ];

    /// <summary>Write routes with a body that is not declared JSON (issue 10 item 5): 415 naming application/json.</summary>
    static IEnumerable<(HttpMethod Method, string Path, string? Body, string? ContentType)> NotJson()
    {
        foreach (var contentType in new string?[] { null, "text/plain", "application/x-www-form-urlencoded", "application/xml" })
        {
            yield return (HttpMethod.Post, "/v1/origins", """{"origin":"https://not-json.example.com"}""", contentType);
            yield return (HttpMethod.Patch, "/v1/settings", """{"mode":"off"}""", contentType);
            yield return (HttpMethod.Post, "/v1/tokens", """{"name":"x","scopes":["rules:read"]}""", contentType);
            yield return (HttpMethod.Post, "/v1/desired-state/apply", """{"version":1,"origins":[]}""", contentType);
        }
    }

    static IEnumerable<(HttpMethod Method, string Path, string? Body)> Corpus()
    {
        foreach (var origin in NonBrowserOrigins)
        {
            yield return (HttpMethod.Post, "/v1/origins", JsonSerializer.Serialize(new { origin }));
            yield return (HttpMethod.Post, "/v1/origins/bulk", JsonSerializer.Serialize(new { origins = new[] { new { origin = "https://ok.example.com" }, new { origin } } }));
            yield return (HttpMethod.Post, "/v1/desired-state/plan", JsonSerializer.Serialize(new { version = 1, origins = new[] { new { origin } } }));
            yield return (HttpMethod.Post, "/v1/desired-state/apply", JsonSerializer.Serialize(new { version = 1, origins = new[] { new { origin } } }));
        }
        // Strict JSON (issue 10 item 6): duplicate members, unknown members, null and empty bodies on every kind of write route.
        string[] strictBodies =
        [
            """{"name":"x","scopes":["rules:read"],"scopes":["tokens:admin"]}""", """{"name":"x","scopes":["rules:read"],"Scopes":["tokens:admin"]}""",
            """{"name":"x","scopes":["rules:read"],"admin":true}""", "null", "",
        ];
        foreach (var body in strictBodies)
            yield return (HttpMethod.Post, "/v1/tokens", body);
        foreach (var body in new[] { """{"origin":"https://a.com","origin":"https://b.com"}""", """{"origin":"https://a.com","expires":"2999-01-01T00:00:00Z"}""", "null", "" })
            yield return (HttpMethod.Post, "/v1/origins", body);
        foreach (var body in new[] { """{"origins":[{"origin":"https://a.com","origin":"https://b.com"}]}""", """{"origins":[{"origin":"https://a.com","x":1}]}""", "null" })
            yield return (HttpMethod.Post, "/v1/origins/bulk", body);
        foreach (var body in new[] { """{"note":"a","note":"b"}""", """{"notes":"a"}""", "null", "" })
            yield return (HttpMethod.Patch, "/v1/origins/https://exists.example.com", body);
        foreach (var body in new[] { """{"list":"deny","kind":"substring","pattern":"a","pattern":"b"}""", """{"list":"deny","kind":"substring","pattern":"a","why":"x"}""", "null" })
            yield return (HttpMethod.Post, "/v1/user-agents", body);
        foreach (var body in new[] { """{"id":"p1","scope":"all","scope":"manifests"}""", """{"id":"p1","scope":"all","owner":"x"}""", "null" })
            yield return (HttpMethod.Post, "/v1/partners", body);
        foreach (var body in new[] { """{"version":1,"version":1}""", """{"version":1,"extra":1}""", """{"version":1,"settings":{"mode":"off","mode":"report"}}""", "null", "" })
        {
            yield return (HttpMethod.Post, "/v1/desired-state/plan", body);
            yield return (HttpMethod.Post, "/v1/desired-state/apply", body);
        }
        foreach (var body in new[] { """{"uri":"/","uri":"/x"}""", """{"uri":"/","origin":"https://a.com"}""", "null" })
            yield return (HttpMethod.Post, "/v1/simulate", body);
        // Safe settings (issue 10 item 7): the whole site public only with the explicit flag.
        string[] wholeSite =
        [
            """{"publicPaths":["/"]}""", """{"publicPaths":["//"]}""", """{"publicPaths":["/%2F"]}""", """{"publicPaths":["/healthz","/"]}""",
            """{"publicPaths":["/"],"allowWholeSitePublic":false}""", """{"publicPaths":["/"],"allowWholeSitePublic":"yes"}""", """{"publicPath":["/x"]}""",
            """{"mode":"report","mode":"off"}""", "null", "", "   ",
        ];
        foreach (var body in wholeSite)
            yield return (HttpMethod.Patch, "/v1/settings", body);
        yield return (HttpMethod.Post, "/v1/desired-state/plan", """{"version":1,"settings":{"publicPaths":["/"]}}""");
        yield return (HttpMethod.Post, "/v1/desired-state/apply", """{"version":1,"settings":{"publicPaths":["//"]}}""");

        foreach (var origin in BadOrigins)
            yield return (HttpMethod.Post, "/v1/origins", JsonSerializer.Serialize(new { origin }));
        foreach (var origin in BadOrigins.Take(20))
            yield return (HttpMethod.Post, "/v1/origins/bulk", JsonSerializer.Serialize(new { origins = new[] { new { origin = "https://ok.example.com" }, new { origin } } }));
        foreach (var origin in new[] { "null", "example.com", "ftp:%2F%2Fx", "https:%2F%2Fexample.com%2Fa", "https://example.com/a/b", "https://u@x.com", "https://*.com", "http://127.1", "%00", "https:%2F%2F%2A" })
        {
            yield return (HttpMethod.Delete, "/v1/origins/" + origin, null);
            yield return (HttpMethod.Patch, "/v1/origins/" + origin, """{"note":"x"}""");
        }
        string[] rawBodies =
        [
            "", "{", "[]", "null", "42", "\"https://example.com\"", """{"origin":42}""", """{"origin":null}""", """{"origin":["https://a.com"]}""",
            """{"origin":{"x":1}}""", """{"origin":"https://a.com","expiresAt":"tomorrow"}""", """{"origin":"https://a.com","expiresAt":"2001-01-01T00:00:00Z"}""",
            """{"origin":"https://a.com","note":""" + JsonSerializer.Serialize(new string('n', 501)) + "}", """{"origin":"https://a.com","note":"bell\u0007"}""",
            """{"origin":"https://a.com",}""", "{\"origin\":\"https://a.com\"", """{"origin":"https://a.com","expiresAt":1e400}""",
        ];
        foreach (var body in rawBodies)
            yield return (HttpMethod.Post, "/v1/origins", body);
        string[] bulkBodies =
        [
            """{"origins":[]}""", """{"origins":null}""", """{"origins":{}}""", """{"origins":"https://a.com"}""", """{"origins":[null]}""", """{"origins":[{}]}""",
            """{"origins":[{"origin":1}]}""", """{"origins":[{"origin":"https://a.com","expiresAt":"2001-01-01T00:00:00Z"}]}""", """{}""",
        ];
        foreach (var body in bulkBodies)
            yield return (HttpMethod.Post, "/v1/origins/bulk", body);
        string[] patchBodies =
        [
            """{"expiresAt":"2001-01-01T00:00:00Z"}""", """{"expiresAt":"soon"}""", """{"removeExpiry":"yes"}""",
            """{"expiresAt":"2999-01-01T00:00:00Z","removeExpiry":true}""", """{"note":""" + JsonSerializer.Serialize(new string('n', 600)) + "}", "[1]",
        ];
        foreach (var body in patchBodies)
            yield return (HttpMethod.Patch, "/v1/origins/https://exists.example.com", body);
        string[] settingsBodies =
        [
            """{"mode":"ENFORCE"}""", """{"mode":""}""", """{"mode":1}""", """{"noOrigin":"yes"}""", """{"publicPaths":"/healthz"}""", """{"publicPaths":[""]}""",
            """{"publicPaths":["relative"]}""", """{"publicPaths":["/a/./b"]}""", """{"publicPaths":["/a/%2e%2e/b"]}""", """{"publicPaths":["/a b"]}""",
            """{"publicPaths":["/a#b"]}""", """{"publicPaths":[""" + string.Join(',', Enumerable.Range(0, 21).Select(i => $"\"/p{i}\"")) + "]}",
            """{"publicPaths":[""" + JsonSerializer.Serialize("/" + new string('p', 200)) + "]}", """{"secretMarker":""}""", """{"secretMarker":"a b"}""",
            """{"secretMarker":""" + JsonSerializer.Serialize(new string('m', 33)) + "}", """{"wildcardDepth":-1}""", """{"wildcardDepth":6}""",
            """{"denyStatus":200}""", """{"failPolicy":"OPEN"}""", """{"revealReason":"true"}""", "{", "[]",
        ];
        foreach (var body in settingsBodies)
            yield return (HttpMethod.Patch, "/v1/settings", body);
        string[] tokenBodies =
        [
            "{}", """{"name":"x"}""", """{"scopes":["rules:read"]}""", """{"name":"x","scopes":[]}""", """{"name":"x","scopes":["admin"]}""",
            """{"name":"x","scopes":["RULES:READ"]}""", """{"name":"x","scopes":"rules:read"}""", """{"name":"","scopes":["rules:read"]}""",
            """{"name":"a b","scopes":["rules:read"]}""", """{"name":""" + JsonSerializer.Serialize(new string('t', 65)) + ""","scopes":["rules:read"]}""",
            """{"name":"x","scopes":["rules:read"],"expiresAt":"2001-01-01T00:00:00Z"}""", """{"name":"x","scopes":["rules:read"],"partners":["p"]}""",
            """{"name":"x","scopes":["secrets:rotate"],"partners":["Not Valid"]}""", """{"name":"x","scopes":[null]}""", "not json",
        ];
        foreach (var body in tokenBodies)
            yield return (HttpMethod.Post, "/v1/tokens", body);
        foreach (var id in new[] { "x", "tok_", "tok_a b", "tok_%00", new string('t', 80) })
            yield return (HttpMethod.Delete, "/v1/tokens/" + id, null);
        string[] uaBodies =
        [
            "{}", """{"list":"block","kind":"regex","pattern":"x"}""", """{"list":"deny","kind":"glob","pattern":"x"}""",
            """{"list":"deny","kind":"regex","pattern":""}""", """{"list":"deny","kind":"regex","pattern":"(a+)+"}""",
            """{"list":"deny","kind":"regex","pattern":"(?<!x)y"}""", """{"list":"deny","kind":"regex","pattern":"[z-a]"}""",
            """{"list":"deny","kind":"substring","pattern":"tab\there"}""", "{\"list\":\"deny\",\"kind\":\"substring\",\"pattern\":\"" + new string('p', 1100) + "\"}",
        ];
        foreach (var body in uaBodies)
            yield return (HttpMethod.Post, "/v1/user-agents", body);
        yield return (HttpMethod.Delete, "/v1/user-agents/block/nope", null);
        string[] documents =
        [
            "[]", """{"version":1,"origins":[{"origin":"nope"}]}""", """{"version":1,"userAgents":[{"list":"deny","kind":"regex","pattern":"(a+)+"}]}""",
            """{"version":1,"settings":{"denyStatus":500}}""", """{"version":1,"partners":[{"id":"UPPER","scope":"all"}]}""",
        ];
        foreach (var body in documents)
        {
            yield return (HttpMethod.Post, "/v1/desired-state/plan", body);
            yield return (HttpMethod.Post, "/v1/desired-state/apply", body);
        }
        yield return (HttpMethod.Post, "/v1/desired-state/rollback", """{"toSeq":0}""");
        string[] simulateBodies =
        [
            "{}", """{"uri":"relative"}""", """{"uri":"/a b"}""", """{"uri":"/","method":"BREW"}""",
            """{"uri":"/","headers":{"bad name":"x"}}""", """{"uri":"/","headers":{"x":"line\nbreak"}}""",
        ];
        foreach (var body in simulateBodies)
            yield return (HttpMethod.Post, "/v1/simulate", body);
        string[] partnerBodies = ["{}", """{"id":"UPPER","scope":"all"}""", """{"id":"ok-partner","scope":"some"}""", """{"id":"","scope":"all"}"""];
        foreach (var body in partnerBodies)
            yield return (HttpMethod.Post, "/v1/partners", body);
        yield return (HttpMethod.Post, "/v1/partners/absent/secrets", "{}");
        yield return (HttpMethod.Post, "/v1/partners/absent/secrets/rotate", "{}");
        yield return (HttpMethod.Post, "/v1/partners/Bad_Name/secrets", "{}");
        yield return (HttpMethod.Delete, "/v1/partners/absent/secrets/not-an-id", null);
        string[] queries =
        [
            "/v1/audit?limit=0", "/v1/audit?limit=1001", "/v1/audit?limit=x", "/v1/audit?cursor=0", "/v1/audit?cursor=-1", "/v1/audit?cursor=abc",
            "/v1/audit?outcome=ok", "/v1/audit?from=yesterday", "/v1/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
            "/v1/audit/export?format=pdf", "/v1/origins?limit=-5", "/v1/origins?limit=100000", "/v1/origins?cursor=***", "/v1/origins?expired=maybe",
            "/v1/origins?contains=" + new string('c', 301), "/v1/origins/https:%2F%2Fexample.com%3Fq",
        ];
        foreach (var query in queries)
            yield return (HttpMethod.Get, query, null);
        foreach (var (method, path, body, _) in SecretShaped())
            yield return (method, path, body);
    }

    const string PastedSecret = "ealp_Q2hlY2tUaGF0VGhpc0lzTm90QVJlYWxTZWNyZXRBQUFB";
    const string PastedToken = "eaat_VGhpc0lzTm90QVJlYWxUb2tlbkJ1dExvb2tzTGlrZU9uZQ";

    /// <summary>Secrets and tokens pasted into fields meant for something else, with the field the refusal must name.</summary>
    static IEnumerable<(HttpMethod Method, string Path, string? Body, string Field)> SecretShaped()
    {
        yield return (HttpMethod.Delete, $"/v1/partners/absent/secrets/{PastedSecret}", null, "id");
        yield return (HttpMethod.Delete, $"/v1/tokens/{PastedToken}", null, "id");
        yield return (HttpMethod.Delete, $"/v1/origins/https://{PastedSecret}.example.com", null, "origin");
        yield return (HttpMethod.Patch, $"/v1/origins/https://exists.example.com", JsonSerializer.Serialize(new { note = PastedSecret }), "note");
        yield return (HttpMethod.Post, "/v1/origins", JsonSerializer.Serialize(new { origin = "https://a.example.com", note = $"old: {PastedSecret[..30]}" }), "note");
        yield return (HttpMethod.Post, "/v1/tokens", JsonSerializer.Serialize(new { name = PastedToken, scopes = new[] { "rules:read" } }), "name");
        yield return (HttpMethod.Post, "/v1/partners", JsonSerializer.Serialize(new { id = PastedSecret.ToUpperInvariant(), scope = "all" }), "id");
        yield return (HttpMethod.Post, "/v1/user-agents", JsonSerializer.Serialize(new { list = "allow", kind = "substring", pattern = PastedSecret }), "pattern");
        yield return (HttpMethod.Post, "/v1/simulate", JsonSerializer.Serialize(new { uri = "/index.m3u8", query = $"s={PastedSecret}" }), "query");
        yield return (HttpMethod.Post, "/v1/desired-state/plan", JsonSerializer.Serialize(new { version = 1, origins = new[] { new { origin = "https://a.example.com", note = PastedToken } } }), "origins[0].note");
        yield return (HttpMethod.Post, "/v1/origins", "{\"origin\":\"https://a.example.com\",\"" + PastedSecret + "\":1}", "body");
        yield return (HttpMethod.Get, $"/v1/audit?target={PastedSecret}", null, "target");
        yield return (HttpMethod.Get, $"/v1/origins?contains={Uri.EscapeDataString(PastedToken)}", null, "contains");
        yield return (HttpMethod.Get, $"/v1/partners/{PastedSecret}", null, "partner");
    }

    [Fact]
    public async Task Secret_shaped_input_in_a_path_query_or_body_field_is_a_400_naming_the_field_saying_to_revoke_it_redacted()
    {
        using var admin = host.Admin();
        var failures = new List<string>();
        foreach (var (method, path, body, field) in SecretShaped())
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            var response = await admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path} {Truncate(body)} → {(int)response.StatusCode}: {Truncate(text)}";
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{what}: expected a 400 problem");
            else if (!JsonNode.Parse(text)!.ErrorFields().SequenceEqual([field]))
                failures.Add($"{what}: expected the field {field}");
            else if (!text.Contains("looks like") || !text.Contains("revoke it") || !text.Contains("_***"))
                failures.Add($"{what}: does not say it looks like a secret to revoke");
            if (text.Contains(PastedSecret[5..25]) || text.Contains(PastedToken[5..25]))
                failures.Add($"{what}: the problem repeats the secret");
        }
        failures.ShouldBeEmpty();
        var export = await admin.GetStringAsync("/v1/audit/export");
        export.ShouldNotContain(PastedSecret[5..25]);
        export.ShouldNotContain(PastedToken[5..25]);
        host.Logs.All.ShouldNotContain(PastedSecret[5..25]);
        host.Logs.All.ShouldNotContain(PastedToken[5..25]);
    }

    [Fact]
    public async Task Over_150_malformed_requests_get_4xx_problems_and_change_nothing_but_the_audited_refusals()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://exists.example.com" })).EnsureSuccessStatusCode();
        var store = host.Service<IKeyValueStore>();
        var etag = (await store.DescribeAsync()).ETag;
        var auditBefore = (await admin.GetJsonAsync("/v1/audit/verify"))["entries"]!.GetValue<long>();

        var corpus = Corpus().Select(c => (c.Method, c.Path, c.Body, ContentType: (string?)"application/json")).Concat(NotJson()).ToList();
        corpus.Count.ShouldBeGreaterThanOrEqualTo(150);
        var failures = new List<string>();
        var refusedChanges = 0;
        foreach (var (method, path, body, contentType) in corpus)
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                if (contentType is not null)
                    request.Content.Headers.ContentType = new(contentType) { CharSet = contentType == "application/json" ? "utf-8" : null };
            }
            var response = await admin.SendAsync(request);
            var status = (int)response.StatusCode;
            // Kestrel itself refuses some paths (a NUL byte) before the service sees them: a bare 400.
            var reachedService = response.Headers.Contains("X-Request-Id");
            if (status is < 400 or >= 500)
                failures.Add($"{method} {path} {Truncate(body)} → {status}: {Truncate(await response.Content.ReadAsStringAsync())}");
            else if (reachedService && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{method} {path} {Truncate(body)} → {status} without problem details");
            if (method != HttpMethod.Get && reachedService)
                refusedChanges++;
        }
        failures.ShouldBeEmpty();
        (await store.DescribeAsync()).ETag.ShouldBe(etag);

        var verify = await admin.GetJsonAsync("/v1/audit/verify");
        verify["valid"]!.GetValue<bool>().ShouldBeTrue();
        var added = verify["entries"]!.GetValue<long>() - auditBefore;
        added.ShouldBe(refusedChanges);
        var recent = await admin.GetJsonAsync($"/v1/audit?limit={refusedChanges}");
        recent["items"]!.AsArray().ShouldAllBe(e => e!["action"]!.GetValue<string>() == "request.rejected" && e["outcome"]!.GetValue<string>() == "rejected");
    }

    static string Truncate(string? text) => text is null ? "" : text.Length > 120 ? text[..120] + "…" : text;
}
