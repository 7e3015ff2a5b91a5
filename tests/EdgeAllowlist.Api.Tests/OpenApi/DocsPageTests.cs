using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.WebConsole;

namespace EdgeAllowlist.Api.Tests.OpenApi;

/// <summary>
/// /docs (Scalar) is where a bearer token gets pasted, on the console's origin: it may not be framed,
/// runs only its own scripts, and still renders offline under that policy in a real browser.
/// </summary>
public sealed partial class DocsPageTests(SharedApiHost host, ConsoleBrowser browser) : IClassFixture<SharedApiHost>, IClassFixture<ConsoleBrowser>
{
    [Fact]
    public async Task The_docs_page_forbids_framing_and_allows_only_its_own_nonced_script()
    {
        using var client = host.Client();
        using var response = await client.GetAsync("/docs/");
        var page = await response.Content.ReadAsStringAsync();

        var csp = response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem();
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldNotContain("unsafe-eval");
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        var nonce = Nonce().Match(csp).Groups[1].Value;
        nonce.ShouldNotBeEmpty();
        // Every script tag carries this response's nonce, and the next response another one.
        ScriptTag().Matches(page).Select(m => m.Value).ShouldAllBe(tag => tag.Contains($"nonce=\"{nonce}\""));
        using var again = await client.GetAsync("/docs/");
        Nonce().Match(again.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value.ShouldNotBe(nonce);
        // The assets the page loads get the policy too, and are served from here.
        (await client.GetAsync("/docs/scalar.js")).Headers.Contains("X-Frame-Options").ShouldBeTrue();
    }

    [Fact]
    public async Task Under_the_policy_Scalar_renders_the_api_in_a_browser_with_no_violation_and_nothing_fetched_from_elsewhere()
    {
        var page = await browser.NewPageAsync(host.BaseAddress);
        var violations = new List<string>();
        var elsewhere = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                violations.Add(message.Text);
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(host.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                elsewhere.Add(request.Url);
        };
        page.PageError += (_, error) => violations.Add("page error: " + error);
        // Scalar's bundle is megabytes of script: on a loaded machine it takes longer than the console's pages.
        page.SetDefaultTimeout(120_000);
        page.SetDefaultNavigationTimeout(120_000);
        await page.GotoAsync("/docs/");
        // The API's description from openapi/v1.json, drawn by Scalar's script: the page works, not only loads.
        try
        {
            await page.GetByText("Maintains the CloudFront KeyValueStore rules", new() { Exact = false }).First.WaitForAsync();
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"Scalar drew nothing. Violations: {string.Join(" | ", violations)}; page: {(await page.ContentAsync())[..Math.Min(3000, (await page.ContentAsync()).Length)]}");
        }

        violations.ShouldBeEmpty();
        elsewhere.ShouldBeEmpty();
    }

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();
}
