using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Origins;

/// <summary>Get, list, update and delete of single origins.</summary>
public sealed class ManageTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task An_origin_can_be_read_back_by_its_url_typed_or_percent_encoded()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://get.example.com", note = "read me" })).EnsureSuccessStatusCode();
        var typed = await admin.GetJsonAsync("/v1/origins/https://GET.example.com");
        typed["origin"]!.GetValue<string>().ShouldBe("https://get.example.com");
        typed["note"]!.GetValue<string>().ShouldBe("read me");
        var encoded = await admin.GetJsonAsync("/v1/origins/" + Uri.EscapeDataString("https://get.example.com"));
        encoded["origin"]!.GetValue<string>().ShouldBe("https://get.example.com");
        (await (await admin.GetAsync("/v1/origins/https://absent.example.com")).ShouldBeProblemAsync(HttpStatusCode.NotFound)).ErrorFields().ShouldContain("origin");
        (await (await admin.GetAsync("/v1/origins/null")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("origin");
    }

    [Fact]
    public async Task Deleting_removes_the_key_and_the_note_and_is_audited_once()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://gone.example.com", note = "temporary" })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync("/v1/origins/https://gone.example.com?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await host.Service<IKeyValueStore>().GetAsync("o:https://gone.example.com")).ShouldBeNull();
        (await admin.GetAsync("/v1/origins/https://gone.example.com")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var audit = await admin.GetJsonAsync("/v1/audit?action=origin.delete&target=https%3A%2F%2Fgone.example.com");
        var entry = audit["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["before"]!.GetValue<string>().ShouldBe("{}");
        entry["after"].ShouldBeNull();
        entry["eTagBefore"]!.GetValue<string>().ShouldNotBe(entry["eTagAfter"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_an_unknown_origin_is_404_and_writes_nothing()
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        await (await admin.DeleteAsync("/v1/origins/https://never.example.com")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task Expiry_and_note_can_be_set_and_removed()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://patch.example.com" })).EnsureSuccessStatusCode();
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        var set = await admin.SendJsonAsync(HttpMethod.Patch, "/v1/origins/https://patch.example.com", new { expiresAt = expires, note = "until tomorrow" });
        var body = await set.JsonAsync();
        set.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["note"]!.GetValue<string>().ShouldBe("until tomorrow");
        (await host.Service<IKeyValueStore>().GetAsync("o:https://patch.example.com"))!.Value.ShouldBe($$"""{"exp":{{expires.ToUnixTimeSeconds()}}}""");

        var cleared = await (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/origins/https://patch.example.com", new { removeExpiry = true, note = "" })).JsonAsync();
        cleared["expiresAt"].ShouldBeNull();
        cleared["note"].ShouldBeNull();
        (await host.Service<IKeyValueStore>().GetAsync("o:https://patch.example.com"))!.Value.ShouldBe("{}");
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/origins/https://unknown-patch.example.com", new { removeExpiry = true })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_pages_through_every_origin_in_order_and_filters()
    {
        using var admin = host.Admin();
        var origins = Enumerable.Range(0, 25).Select(i => $"https://page{i:D2}.list.example").ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = origins.Select(o => new { origin = o }) })).EnsureSuccessStatusCode();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await admin.GetJsonAsync($"/v1/origins?contains=.list.example&limit=10{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["origin"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        seen.ShouldBe(origins);
        (await (await admin.GetAsync("/v1/origins?limit=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("limit");
        (await (await admin.GetAsync("/v1/origins?cursor=%25%25")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("cursor");
    }
}
