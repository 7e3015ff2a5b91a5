using System.Net;
using System.Net.Http.Json;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>The overview on a host of its own, since what it warns about depends on every rule in the store.</summary>
public sealed class ConsoleOverviewTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task The_overview_lists_secrets_ending_within_7_days_and_drops_a_warning_once_its_cause_is_fixed()
    {
        using var admin = host.Admin();
        (await admin.PostAsJsonAsync("/v1/partners", new { id = "soon", scope = "manifests" })).EnsureSuccessStatusCode();
        var ending = await (await admin.PostAsJsonAsync("/v1/partners/soon/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net", expiresAt = DateTimeOffset.UtcNow.AddDays(3) })).JsonAsync();
        var later = await (await admin.PostAsJsonAsync("/v1/partners/soon/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net", expiresAt = DateTimeOffset.UtcNow.AddDays(30) })).JsonAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);

        var overview = await console.PageAsync("/console");
        var expiring = overview[overview.IndexOf("Secrets expiring in the next 7 days", StringComparison.Ordinal)..];
        expiring = expiring[..expiring.IndexOf("</section>", StringComparison.Ordinal)];
        expiring.ShouldContain($"<td>{ending["id"]!.GetValue<string>()}</td>");
        expiring.ShouldNotContain(later["id"]!.GetValue<string>());
        overview.ShouldContain("Native players without Origin are denied: no User-Agent allow rule");
        overview.ShouldContain("No browser origin is allowed yet");
        overview.ShouldContain("class=\"badge mode-enforce\"");

        (await admin.PostAsJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "AppleCoreMedia/" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/origins", new { origin = "https://www.example.com" })).EnsureSuccessStatusCode();
        overview = await console.PageAsync("/console");
        overview.ShouldNotContain("Native players without Origin are denied");
        overview.ShouldNotContain("No browser origin is allowed yet");
        overview.ShouldContain("origin.add https://www.example.com by bootstrap-admin");
    }

    [Fact]
    public async Task The_audit_export_is_the_APIs_own_file_with_the_pages_filters()
    {
        using var admin = host.Admin();
        (await admin.PostAsJsonAsync("/v1/origins", new { origin = "https://export.example.com" })).EnsureSuccessStatusCode();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        var from = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var csv = await console.PageAsync($"/console/audit?handler=Export&format=csv&target=https://export.example.com&from={from}");
        var api = await admin.GetStringAsync($"/v1/audit/export?format=csv&target=https://export.example.com&from={Uri.EscapeDataString(DateTime.Parse(from, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal).ToString("O"))}");
        csv.ShouldBe(api);
        csv.ShouldContain("origin.add");
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2, csv);
    }

    [Fact]
    public async Task The_audit_page_filters_by_target_prefix_and_its_export_and_paging_keep_the_filter()
    {
        using var admin = host.Admin();
        foreach (var origin in new[] { "https://prefix-one.console.example", "https://prefix-two.console.example", "https://elsewhere.console.example" })
            (await admin.PostAsJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);

        var page = await console.PageAsync("/console/audit?targetPrefix=https://prefix-");

        page.ShouldContain("<code>https://prefix-one.console.example</code>");
        page.ShouldContain("<code>https://prefix-two.console.example</code>");
        page.ShouldNotContain("elsewhere.console.example");
        page.ShouldContain("value=\"https://prefix-\"");
        page.ShouldContain("targetPrefix=https%3A%2F%2Fprefix-");
        var csv = await console.PageAsync("/console/audit?handler=Export&format=csv&targetPrefix=https://prefix-");
        csv.ShouldBe(await admin.GetStringAsync("/v1/audit/export?format=csv&targetPrefix=https%3A%2F%2Fprefix-"));
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(3, csv);
    }
}
