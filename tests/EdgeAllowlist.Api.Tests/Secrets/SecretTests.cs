using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

public sealed class SecretTests(ApiHost host) : IClassFixture<ApiHost>
{
    IKeyValueStore Store => host.Service<IKeyValueStore>();

    async Task<HttpClient> AdminWithPartnerAsync(string partner, string scope = "manifests")
    {
        var admin = host.Admin();
        await admin.CreatePartnerAsync(partner, scope);
        return admin;
    }

    [Fact]
    public async Task A_new_secret_is_shown_once_with_the_exact_VideoContentSourceUrl_and_only_its_hash_reaches_the_store()
    {
        using var admin = await AdminWithPartnerAsync("created");
        var issued = await admin.CreateSecretAsync("created");
        var secret = issued.Text("secret");
        secret.ShouldMatch("^ealp_[A-Za-z0-9_-]{43}$");
        issued.Text("videoContentSourceUrl").ShouldBe($"https://{PartnerCalls.Domain}/_p/{secret}/");
        var hash = PartnerCalls.Sha256(secret);
        issued.Text("fingerprint").ShouldBe(hash[..12]);
        var value = JsonNode.Parse((await Store.GetAsync("x:" + hash)).ShouldNotBeNull().Value)!;
        value.ToJsonString().ShouldBe($$"""{"p":"created","id":"{{issued.Text("id")}}","scope":"manifests","exp":0}""");

        var listed = await admin.GetAsync("/v1/partners/created/secrets");
        var listedText = await listed.Content.ReadAsStringAsync();
        listedText.ShouldNotContain(secret);
        var item = JsonNode.Parse(listedText)!["items"]!.AsArray().ShouldHaveSingleItem()!;
        item.Text("id").ShouldBe(issued.Text("id"));
        item.Text("fingerprint").ShouldBe(hash[..12]);
        item.Text("createdBy").ShouldBe("bootstrap-admin");
        item["expiresAt"].ShouldBeNull();

        host.EverythingOnDisk().ShouldNotContain(secret);
        host.EverythingOnDisk().ShouldNotContain(secret[5..]);
        host.Logs.All.ShouldNotContain(secret[5..]);
    }

    [Fact]
    public async Task The_partners_scope_travels_into_the_store_and_decides_which_paths_the_secret_opens()
    {
        using var admin = await AdminWithPartnerAsync("everything", "all");
        var secret = (await admin.CreateSecretAsync("everything")).Text("secret");
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(secret)))!.Value.ShouldContain("\"scope\":\"all\"");
        var segment = await admin.SimulateAsync($"/_p/{secret}/test/seg_001.ts");
        segment.Text("action").ShouldBe("pass");
        segment.Text("uri").ShouldBe("/test/seg_001.ts");

        using var manifestsOnly = await AdminWithPartnerAsync("manifests-only");
        var narrow = (await admin.CreateSecretAsync("manifests-only")).Text("secret");
        var denied = await admin.SimulateAsync($"/_p/{narrow}/test/seg_001.ts");
        denied.Text("action").ShouldBe("deny");
        denied.Text("reason").ShouldBe("secret-scope");
    }

    [Fact]
    public async Task Revoking_a_secret_deletes_its_key_so_the_next_request_with_it_is_denied()
    {
        using var admin = await AdminWithPartnerAsync("revoked");
        var issued = await admin.CreateSecretAsync("revoked");
        var secret = issued.Text("secret");
        (await admin.SimulateMediaTailorAsync(secret)).Text("action").ShouldBe("pass");

        // The partner's only secret: forced past builtin:partner:revoked (WriteCheckTests covers the refusal).
        (await admin.DeleteAsync($"/v1/partners/revoked/secrets/{issued.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(secret))).ShouldBeNull();
        var denied = await admin.SimulateMediaTailorAsync(secret);
        denied.Text("action").ShouldBe("deny");
        denied.Text("reason").ShouldBe("secret-unknown");
        var again = await (await admin.DeleteAsync($"/v1/partners/revoked/secrets/{issued.Text("id")}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        again.ErrorFields().ShouldContain("id");
        var audit = await admin.GetJsonAsync($"/v1/audit?action=secret.revoke&target=revoked%2F{issued.Text("id")}");
        audit["items"]!.AsArray().ShouldHaveSingleItem()!.ToJsonString().ShouldNotContain(secret);
    }

    [Fact]
    public async Task Rotating_keeps_the_old_secret_valid_until_the_grace_period_ends()
    {
        using var admin = await AdminWithPartnerAsync("rotated");
        var old = await admin.CreateSecretAsync("rotated");
        var rotated = await admin.IssueAsync("/v1/partners/rotated/secrets/rotate", new { graceSeconds = 3600, distributionDomain = PartnerCalls.Domain });
        var oldSecret = old.Text("secret");
        var newSecret = rotated.Text("secret");
        newSecret.ShouldNotBe(oldSecret);
        var rotatedOut = rotated["rotatedOut"]!.AsArray().ShouldHaveSingleItem()!;
        rotatedOut.Text("id").ShouldBe(old.Text("id"));
        var expiry = rotatedOut["expiresAt"]!.GetValue<DateTimeOffset>();
        expiry.ShouldBeInRange(host.Clock.GetUtcNow().AddMinutes(59), host.Clock.GetUtcNow().AddMinutes(61));
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(oldSecret)))!.Value.ShouldContain($"\"exp\":{expiry.ToUnixTimeSeconds()}");

        (await admin.SimulateMediaTailorAsync(oldSecret)).Text("action").ShouldBe("pass");
        (await admin.SimulateMediaTailorAsync(newSecret)).Text("action").ShouldBe("pass");
        var later = expiry.AddSeconds(1);
        var expired = await admin.SimulateMediaTailorAsync(oldSecret, later);
        expired.Text("action").ShouldBe("deny");
        expired.Text("reason").ShouldBe("secret-expired");
        (await admin.SimulateMediaTailorAsync(newSecret, later)).Text("action").ShouldBe("pass");

        var listed = (await admin.GetJsonAsync("/v1/partners/rotated/secrets"))["items"]!.AsArray();
        listed.Select(s => s!.Text("id")).ShouldBe([old.Text("id"), rotated.Text("id")], ignoreOrder: true);
    }

    [Fact]
    public async Task Rotating_without_a_domain_reuses_the_domain_of_the_partners_current_secret()
    {
        using var admin = await AdminWithPartnerAsync("same-domain");
        (await admin.IssueAsync("/v1/partners/same-domain/secrets", new { distributionDomain = "D2222.CloudFront.net" })).Text("videoContentSourceUrl").ShouldStartWith("https://d2222.cloudfront.net/");
        // The README's own example: no domain, and Secrets:DistributionDomain is empty by default.
        var rotated = await admin.IssueAsync("/v1/partners/same-domain/secrets/rotate", new { graceSeconds = 86400 });
        rotated.Text("videoContentSourceUrl").ShouldBe($"https://d2222.cloudfront.net/_p/{rotated.Text("secret")}/");
        // Another secret of the partner without a domain: the newest live one's.
        (await admin.IssueAsync("/v1/partners/same-domain/secrets/rotate", new { distributionDomain = "d3333.cloudfront.net", graceSeconds = 60 })).Text("videoContentSourceUrl").ShouldStartWith("https://d3333.cloudfront.net/");
        (await admin.IssueAsync("/v1/partners/same-domain/secrets", new { })).Text("videoContentSourceUrl").ShouldStartWith("https://d3333.cloudfront.net/");
    }

    [Fact]
    public async Task Rotating_a_partner_with_no_live_secret_and_no_domain_is_refused_naming_the_field_and_writes_nothing()
    {
        using var admin = await AdminWithPartnerAsync("no-domain-yet");
        var etag = (await Store.DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/partners/no-domain-yet/secrets/rotate", new { graceSeconds = 86400 })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("distributionDomain");
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task Parallel_rotations_of_one_partner_both_land_and_leave_exactly_one_secret_without_expiry()
    {
        using var admin = await AdminWithPartnerAsync("parallel");
        await admin.CreateSecretAsync("parallel");
        var body = new { graceSeconds = 600, distributionDomain = PartnerCalls.Domain };
        var rotations = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => admin.PostJsonAsync("/v1/partners/parallel/secrets/rotate", body)));
        rotations.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
        var listed = (await admin.GetJsonAsync("/v1/partners/parallel/secrets"))["items"]!.AsArray();
        listed.Count.ShouldBe(4);
        listed.Count(s => s!["expiresAt"] is null).ShouldBe(1);
        foreach (var rotation in rotations)
            (await admin.SimulateMediaTailorAsync((await rotation.JsonAsync()).Text("secret"))).Text("action").ShouldBe("pass");
    }

    [Fact]
    public async Task A_rotate_token_limited_to_one_partner_rotates_that_partner_only()
    {
        using var admin = await AdminWithPartnerAsync("limited-ok");
        await admin.CreatePartnerAsync("limited-other");
        var token = await host.CreateTokenAsync("ci-rotate-limited", ["secrets:rotate"], ["limited-ok"]);
        using var ci = host.Client(token);

        (await ci.IssueAsync("/v1/partners/limited-ok/secrets/rotate", new { distributionDomain = PartnerCalls.Domain })).Text("secret").ShouldStartWith("ealp_");
        var etag = (await Store.DescribeAsync()).ETag;
        var refused = await (await ci.PostJsonAsync("/v1/partners/limited-other/secrets/rotate", new { distributionDomain = PartnerCalls.Domain }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        refused.Text("detail").ShouldContain("limited-other");
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        var denial = (await admin.GetJsonAsync("/v1/audit?action=auth.denied&actor=ci-rotate-limited"))["items"]!.AsArray().ShouldHaveSingleItem()!;
        denial.Text("outcome").ShouldBe("forbidden");
        denial.Text("target").ShouldBe("POST /v1/partners/limited-other/secrets/rotate");

        // Rotation is all the scope allows: no creating, listing or revoking.
        (await ci.PostJsonAsync("/v1/partners/limited-ok/secrets", new { distributionDomain = PartnerCalls.Domain })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ci.GetAsync("/v1/partners/limited-ok/secrets")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ci.DeleteAsync("/v1/partners/limited-ok/secrets/sec_abc")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var unlimited = await host.CreateTokenAsync("ci-rotate-any", ["secrets:rotate"]);
        using var any = host.Client(unlimited);
        (await any.IssueAsync("/v1/partners/limited-other/secrets/rotate", new { distributionDomain = PartnerCalls.Domain })).Text("partner").ShouldBe("limited-other");
        var reader = await host.CreateTokenAsync("rules-reader-only", ["rules:read", "rules:write"]);
        using var noScope = host.Client(reader);
        (await noScope.PostJsonAsync("/v1/partners/limited-other/secrets/rotate", new { distributionDomain = PartnerCalls.Domain })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_CI_retry_with_the_same_Idempotency_Key_gets_the_same_secret_and_creates_no_second_one()
    {
        using var admin = await AdminWithPartnerAsync("idempotent");
        var createKey = Guid.NewGuid().ToString();
        var created = await admin.IssueAsync("/v1/partners/idempotent/secrets", new { distributionDomain = PartnerCalls.Domain }, createKey);
        var createdAgain = await admin.PostJsonAsync("/v1/partners/idempotent/secrets", new { distributionDomain = PartnerCalls.Domain }, createKey);
        createdAgain.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await createdAgain.JsonAsync()).Text("secret").ShouldBe(created.Text("secret"));
        (await admin.GetJsonAsync("/v1/partners/idempotent/secrets"))["items"]!.AsArray().Count.ShouldBe(1);

        var token = await host.CreateTokenAsync("ci-rotate-idem", ["secrets:rotate"], ["idempotent"]);
        using var ci = host.Client(token);
        var key = Guid.NewGuid().ToString();
        var body = new { graceSeconds = 600, distributionDomain = PartnerCalls.Domain };

        var first = await ci.PostJsonAsync("/v1/partners/idempotent/secrets/rotate", body, key);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var firstBody = await first.Content.ReadAsStringAsync();
        var etag = (await Store.DescribeAsync()).ETag;
        var retry = await ci.PostJsonAsync("/v1/partners/idempotent/secrets/rotate", body, key);
        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        retry.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
        (await retry.Content.ReadAsStringAsync()).ShouldBe(firstBody);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/partners/idempotent/secrets"))["items"]!.AsArray().Count.ShouldBe(2);

        // The kept response holds the secret, sealed under the caller's token: the database never has it in clear.
        var secret = JsonNode.Parse(firstBody)!.Text("secret");
        host.EverythingOnDisk().ShouldNotContain(secret[5..]);
        // Another token cannot replay it; with its own key space the same key runs anew.
        var other = await host.CreateTokenAsync("ci-rotate-idem-2", ["secrets:rotate"], ["idempotent"]);
        using var otherCi = host.Client(other);
        var fresh = await otherCi.PostJsonAsync("/v1/partners/idempotent/secrets/rotate", body, key);
        fresh.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();
        JsonNode.Parse(await fresh.Content.ReadAsStringAsync())!.Text("secret").ShouldNotBe(secret);
    }

    [Theory]
    [InlineData("/v1/partners/BAD_ID/secrets", """{"distributionDomain":"d1.cloudfront.net"}""", "partner")]
    [InlineData("/v1/partners/malformed/secrets", """{"distributionDomain":"https://d1.cloudfront.net/"}""", "distributionDomain")]
    [InlineData("/v1/partners/malformed/secrets", """{"distributionDomain":"d1.cloudfront.net:443"}""", "distributionDomain")]
    [InlineData("/v1/partners/malformed/secrets", """{}""", "distributionDomain")]
    [InlineData("/v1/partners/malformed/secrets/rotate", """{"distributionDomain":null,"graceSeconds":null}""", "distributionDomain")]
    [InlineData("/v1/partners/malformed/secrets", """{"distributionDomain":"d1.cloudfront.net","expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("/v1/partners/malformed/secrets", """{"distributionDomain":"d1.cloudfront.net","expiresAt":"soon"}""", "expiresAt")]
    [InlineData("/v1/partners/malformed/secrets/rotate", """{"distributionDomain":"d1.cloudfront.net","graceSeconds":-1}""", "graceSeconds")]
    [InlineData("/v1/partners/malformed/secrets/rotate", """{"distributionDomain":"d1.cloudfront.net","graceSeconds":2592001}""", "graceSeconds")]
    [InlineData("/v1/partners/malformed/secrets/rotate", """{"distributionDomain":"d1.cloudfront.net","graceSeconds":"a day"}""", "graceSeconds")]
    [InlineData("/v1/partners/malformed/secrets/rotate", """{"distributionDomain":"d1 .cloudfront.net"}""", "distributionDomain")]
    [InlineData("/v1/partners/malformed/secrets", """not json""", "")]
    public async Task Malformed_secret_requests_are_refused_naming_the_field_and_only_the_rejection_is_audited(string path, string body, string field)
    {
        using var admin = host.Admin();
        if ((await admin.GetAsync("/v1/partners/malformed")).StatusCode == HttpStatusCode.NotFound)
            await admin.CreatePartnerAsync("malformed");
        var etag = (await Store.DescribeAsync()).ETag;
        var head = await admin.AuditHeadAsync();
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, path, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        if (field.Length > 0)
            problem.ErrorFields().ShouldContain(field, problem.ToJsonString());
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        var entries = (await admin.GetJsonAsync("/v1/audit?limit=10"))["items"]!.AsArray().Where(e => e!["seq"]!.GetValue<long>() > head).ToList();
        entries.ShouldHaveSingleItem()!.Text("action").ShouldBe("request.rejected");
    }

    [Fact]
    public async Task Secrets_of_an_unknown_partner_are_refused_with_404_and_nothing_is_written()
    {
        using var admin = host.Admin();
        var etag = (await Store.DescribeAsync()).ETag;
        (await (await admin.PostJsonAsync("/v1/partners/ghost/secrets", new { distributionDomain = PartnerCalls.Domain })).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .ErrorFields().ShouldContain("partner");
        (await admin.PostJsonAsync("/v1/partners/ghost/secrets/rotate", new { distributionDomain = PartnerCalls.Domain })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetAsync("/v1/partners/ghost/secrets")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.DeleteAsync("/v1/partners/ghost/secrets/sec_nothing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.DeleteAsync("/v1/partners/ghost/secrets/not-an-id")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }
}
