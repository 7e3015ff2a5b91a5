using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Partners;

public sealed class PartnerTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_partner_is_created_once_and_can_be_read_back_and_listed()
    {
        using var admin = host.Admin();
        var created = await admin.PostJsonAsync("/v1/partners", new { id = "mediatailor", scope = "manifests", description = "SSAI template fetches" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var again = await (await admin.PostJsonAsync("/v1/partners", new { id = "mediatailor", scope = "all" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        again.ErrorFields().ShouldContain("id");
        var partner = await admin.GetJsonAsync("/v1/partners/mediatailor");
        partner.Text("scope").ShouldBe("manifests");
        partner.Text("createdBy").ShouldBe("bootstrap-admin");
        var listed = await admin.GetJsonAsync("/v1/partners");
        listed["items"]!.AsArray().Select(p => p!.Text("id")).ShouldContain("mediatailor");
        (await admin.GetAsync("/v1/partners/nobody")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var audit = await admin.GetJsonAsync("/v1/audit?action=partner.create&target=mediatailor");
        audit["items"]!.AsArray().ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("""{"id":"Media Tailor","scope":"manifests"}""", "id")]
    [InlineData("""{"id":"","scope":"manifests"}""", "id")]
    [InlineData("""{"id":"-lead","scope":"manifests"}""", "id")]
    [InlineData("""{"id":"ok","scope":"segments"}""", "scope")]
    [InlineData("""{"id":"ok"}""", "scope")]
    [InlineData("""{"id":null,"scope":null}""", "id")]
    [InlineData("""{"id":"ok","scope":"all","description":"line\nbreak"}""", "description")]
    public async Task A_malformed_partner_is_refused_naming_the_field_and_only_the_rejection_is_audited(string body, string field)
    {
        using var admin = host.Admin();
        var head = await admin.AuditHeadAsync();
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/partners", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(field);
        var after = (await admin.GetJsonAsync($"/v1/audit?limit=10"))["items"]!.AsArray().Where(e => e!["seq"]!.GetValue<long>() > head).ToList();
        after.ShouldHaveSingleItem()!.Text("action").ShouldBe("request.rejected");
        (await admin.GetAsync("/v1/partners/ok")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_secrets_admin_manages_partners()
    {
        var writer = await host.CreateTokenAsync("partner-rules-writer", ["rules:write", "rules:read", "secrets:rotate"]);
        using var client = host.Client(writer);
        (await client.PostJsonAsync("/v1/partners", new { id = "sneaky", scope = "all" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.GetAsync("/v1/partners")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // A rotate token may read a partner it may rotate, so a rotation can check it first: here there is none.
        (await client.GetAsync("/v1/partners/sneaky")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var reader = await host.CreateTokenAsync("partner-rules-only", ["rules:write", "rules:read"]);
        using var rulesOnly = host.Client(reader);
        (await rulesOnly.GetAsync("/v1/partners/sneaky")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
