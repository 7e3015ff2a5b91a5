using System.Net;
using System.Net.Http.Json;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

/// <summary>Taking back a rotation whose later steps failed, so that a half rotation leaves nothing behind.</summary>
public sealed class UndoRotationTests(ApiHost host) : IClassFixture<ApiHost>
{
    IKeyValueStore Store => host.Service<IKeyValueStore>();

    [Fact]
    public async Task Undoing_a_rotation_revokes_the_new_secret_and_gives_the_old_one_back_its_previous_expiry()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("undo");
        var old = await admin.CreateSecretAsync("undo");
        var oldKey = "x:" + PartnerCalls.Sha256(old.Text("secret"));
        var before = (await Store.GetAsync(oldKey))!.Value;
        var token = await host.CreateTokenAsync("ci-undo", ["secrets:rotate"], ["undo"]);
        using var ci = host.Client(token);
        var rotated = await ci.IssueAsync("/v1/partners/undo/secrets/rotate", new { graceSeconds = 3600, distributionDomain = PartnerCalls.Domain });
        (await Store.GetAsync(oldKey))!.Value.ShouldNotBe(before);

        var response = await ci.PostJsonAsync($"/v1/partners/undo/secrets/{rotated.Text("id")}/undo-rotation", new { });
        var body = await response.JsonAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["restored"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe([old.Text("id")]);
        (await Store.GetAsync(oldKey))!.Value.ShouldBe(before);
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(rotated.Text("secret")))).ShouldBeNull();
        (await admin.SimulateMediaTailorAsync(rotated.Text("secret"))).Text("action").ShouldBe("deny");
        (await admin.SimulateMediaTailorAsync(old.Text("secret"), host.Clock.GetUtcNow().AddDays(2))).Text("action").ShouldBe("pass");
        (await admin.GetJsonAsync("/v1/audit?action=secret.rotation-undo"))["items"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Only_a_secret_a_rotation_issued_can_be_undone_and_only_by_a_token_that_may_rotate_the_partner()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("undo-refused");
        var created = await admin.CreateSecretAsync("undo-refused");
        var etag = (await Store.DescribeAsync()).ETag;

        await (await admin.PostJsonAsync($"/v1/partners/undo-refused/secrets/{created.Text("id")}/undo-rotation", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var other = await host.CreateTokenAsync("ci-undo-other", ["secrets:rotate"], ["someone-else"]);
        using var ci = host.Client(other);
        (await ci.PostJsonAsync($"/v1/partners/undo-refused/secrets/{created.Text("id")}/undo-rotation", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("DELETE", "bad-id-revoke", "/v1/partners/bad-id-revoke/secrets/not-a-secret-id")]
    [InlineData("POST", "bad-id-undo", "/v1/partners/bad-id-undo/secrets/sec_has%20space/undo-rotation")]
    public async Task A_route_that_names_a_malformed_secret_id_is_a_400_naming_id_and_writes_nothing(string method, string partner, string path)
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync(partner);
        var etag = (await Store.DescribeAsync()).ETag;

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
            request.Content = JsonContent.Create(new { });
        var problem = await (await admin.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.ErrorFields().ShouldBe(["id"]);
        problem.ToJsonString().ShouldContain("must be a secret id");
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task A_token_reads_its_own_grants_and_a_rotate_token_sees_the_partners_it_may_rotate()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("self-check");
        var token = await host.CreateTokenAsync("ci-self", ["secrets:rotate", "rules:read"], ["self-check"]);
        using var ci = host.Client(token);

        var self = await ci.GetJsonAsync("/v1/tokens/current");
        self.Text("name").ShouldBe("ci-self");
        self["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["rules:read", "secrets:rotate"], ignoreOrder: true);
        self["partners"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["self-check"]);
        (await ci.GetJsonAsync("/v1/partners/self-check")).Text("id").ShouldBe("self-check");
        (await ci.GetAsync("/v1/partners/not-mine")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await host.Client().GetAsync("/v1/tokens/current")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
