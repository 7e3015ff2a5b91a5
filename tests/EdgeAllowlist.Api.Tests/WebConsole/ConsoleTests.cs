using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>
/// The console in a real browser against the real service: the MediaTailor job from sign-in to sign-out,
/// and the refusals (cross-site post, read-only token, revoked token).
/// </summary>
public sealed partial class ConsoleTests(ApiHost host, ConsoleBrowser browser) : IClassFixture<ApiHost>, IClassFixture<ConsoleBrowser>
{
    const string Distribution = "d111111abcdef8.cloudfront.net";

    static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowser.ScreenshotFolder, name), FullPage = true });

    async Task<IPage> SignedInAsync(string token)
    {
        var page = await browser.NewPageAsync(host.BaseAddress);
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in$"));
        // By keyboard: the field, the token, Enter.
        await page.GetByLabel("API token").FocusAsync();
        await page.Keyboard.TypeAsync(token);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Every control a person can reach has a label (its own, or aria-label).</summary>
    static async Task EveryControlIsLabelledAsync(IPage page)
    {
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
                .filter(e => !e.hidden && (e.tagName === "BUTTON" ? !e.textContent.trim() && !e.getAttribute("aria-label") : e.labels.length === 0 && !e.getAttribute("aria-label")))
                .map(e => e.outerHTML)
            """);
        unlabelled.ShouldBeEmpty(page.Url);
    }

    async Task<string> TokenAsync(string name, params string[] scopes)
    {
        using var admin = host.Admin();
        var created = await admin.PostAsJsonAsync("/v1/tokens", new { name, scopes });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.JsonAsync())["token"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_newcomer_does_the_MediaTailor_job_in_the_browser_from_sign_in_to_sign_out()
    {
        var page = await SignedInAsync(host.AdminToken);
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "ea_console");
        cookie.HttpOnly.ShouldBeTrue();
        cookie.SameSite.ShouldBe(SameSiteAttribute.Strict);
        cookie.Value.ShouldNotContain(host.AdminToken);
        var overview = await page.ReloadAsync();
        overview!.Headers["content-security-policy"].ShouldStartWith("default-src 'self'");
        await Assertions.Expect(page.GetByTestId("mode")).ToHaveTextAsync("enforce");
        await Assertions.Expect(page.GetByText("Native players without Origin are denied: no User-Agent allow rule")).ToBeVisibleAsync();
        await ShotAsync(page, "overview.png");
        foreach (var path in new[] { "/console", "/console/origins", "/console/user-agents", "/console/partners", "/console/settings", "/console/tokens", "/console/simulate", "/console/rollout", "/console/audit" })
        {
            var view = await page.GotoAsync(path);
            view!.Status.ShouldBe(200, path);
            await EveryControlIsLabelledAsync(page);
            var axe = await Deque.AxeCore.Playwright.PageExtensions.RunAxe(page);
            // axe-core's checks (labels, names, contrast, landmarks, ARIA) over the whole page.
            axe.Passes.ShouldContain(r => r.Id == "label" || r.Id == "color-contrast", path);
            axe.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ShouldBeEmpty(path);
        }
        await page.GotoAsync("/console");

        await page.GetByRole(AriaRole.Link, new() { Name = "Origins" }).ClickAsync();
        await page.GetByLabel("Origin", new() { Exact = true }).FillAsync("https://WWW.Example.com");
        await page.GetByLabel("Note (optional)").FillAsync("main player site");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add origin" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Allowed https://www.example.com.");
        await Assertions.Expect(page.Locator("tr[data-origin='https://www.example.com']")).ToContainTextAsync("main player site");

        await page.GetByRole(AriaRole.Link, new() { Name = "Partners & secrets" }).ClickAsync();
        await page.GetByLabel("Partner id").FillAsync("mediatailor");
        await page.GetByLabel("Scope").SelectOptionAsync("manifests");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register partner" }).ClickAsync();
        var partner = page.Locator("section[data-partner='mediatailor']");
        await partner.GetByLabel("CloudFront distribution domain").FillAsync(Distribution);
        await partner.GetByRole(AriaRole.Button, new() { Name = "Create secret" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("issued")).ToContainTextAsync("shown once");
        var secret = await page.GetByLabel(new Regex("^Secret \\(sec_")).InputValueAsync();
        var url = await page.GetByLabel("VideoContentSourceUrl for MediaTailor").InputValueAsync();
        secret.ShouldMatch("^ealp_[A-Za-z0-9_-]{43}$");
        url.ShouldBe($"https://{Distribution}/_p/{secret}/");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).First).ToBeVisibleAsync();
        await ShotAsync(page, "partner-secret.png");
        await EveryControlIsLabelledAsync(page);
        // Shown once: the next view of the page has it nowhere.
        await page.GotoAsync("/console/partners");
        (await page.ContentAsync()).ShouldNotContain(secret);

        await page.GetByRole(AriaRole.Link, new() { Name = "Simulate" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "MediaTailor template fetch" }).ClickAsync();
        var uri = (await page.GetByLabel("URI").InputValueAsync()).Replace("PASTE-THE-SECRET", secret, StringComparison.Ordinal);
        await page.GetByLabel("URI").FillAsync(uri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Simulate" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("action")).ToHaveTextAsync("pass");
        await Assertions.Expect(page.GetByTestId("stripped-uri")).ToHaveTextAsync("/test/ACCUSSED_Stereo.m3u8");
        await Assertions.Expect(page.Locator("li.step[data-key='cfg']")).ToContainTextAsync("mode enforce");
        await Assertions.Expect(page.Locator("li.step[data-key^='x:']")).ToContainTextAsync("Partner secret of mediatailor");
        await ShotAsync(page, "simulate.png");
        await EveryControlIsLabelledAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Forged MediaTailor UA" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Simulate" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("action")).ToHaveTextAsync("deny");
        await Assertions.Expect(page.GetByTestId("reason")).ToHaveTextAsync("ua-not-allowed");

        await page.GetByRole(AriaRole.Link, new() { Name = "Partners & secrets" }).ClickAsync();
        partner = page.Locator("section[data-partner='mediatailor']");
        // One domain field, left empty: the rotation reuses the domain of the partner's current secret.
        await partner.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("issued")).ToContainTextAsync("keep working until their grace ends");
        var rotated = await page.GetByLabel(new Regex("^Secret \\(sec_")).InputValueAsync();
        rotated.ShouldNotBe(secret);
        (await page.GetByLabel("VideoContentSourceUrl for MediaTailor").InputValueAsync()).ShouldBe($"https://{Distribution}/_p/{rotated}/");
        partner = page.Locator("section[data-partner='mediatailor']");
        await Assertions.Expect(partner.Locator("tr[data-secret]")).ToHaveCountAsync(2);
        await Assertions.Expect(partner.Locator("time.grace")).ToHaveCountAsync(1);
        await Assertions.Expect(partner.Locator("time.grace")).ToContainTextAsync("left");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await page.GetByLabel("Action").FillAsync("secret.rotate");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("li[data-action='secret.rotate']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("li[data-action='secret.rotate']")).ToContainTextAsync("mediatailor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify the chain" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify-result")).ToContainTextAsync("The chain verifies");
        await EveryControlIsLabelledAsync(page);
        var rotation = page.Locator("li[data-action='secret.rotate']");
        await Assertions.Expect(rotation).ToHaveCountAsync(1);
        await rotation.GetByText("Before / after").ClickAsync();
        await Assertions.Expect(rotation.Locator("td.diff-after").First).ToBeVisibleAsync();
        await ShotAsync(page, "audit.png");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in$"));
        await page.GotoAsync("/console/partners");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
    }

    [Fact]
    public async Task The_rollout_page_draws_an_uploaded_report_mode_log_and_plans_a_suggestion_accessibly()
    {
        var page = await SignedInAsync(host.AdminToken);
        await page.GetByRole(AriaRole.Link, new() { Name = "Rollout" }).ClickAsync();
        await page.GetByLabel(new Regex("^Log file \\(the function")).SetInputFilesAsync(Path.Combine(RepositoryPaths.Root, "function", "rollout", "report-mode.filter-log-events.json"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Analyse" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("timeline").Locator("g.series[data-reason='origin-unknown'] rect")).Not.ToHaveCountAsync(0);
        await EveryControlIsLabelledAsync(page);
        var axe = await Deque.AxeCore.Playwright.PageExtensions.RunAxe(page);
        axe.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ShouldBeEmpty();
        await ShotAsync(page, "rollout.png");

        await page.Locator("input[name='patch'][data-value='https://player.example.net']").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn the chosen suggestions into a plan" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("plan").Locator("tr[data-op='add'][data-kind='origin']")).ToContainTextAsync("https://player.example.net");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply this plan" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_cross_site_form_post_is_refused_and_writes_nothing()
    {
        var page = await SignedInAsync(host.AdminToken);
        var target = new Uri(host.BaseAddress, "/console/origins?handler=Add");
        // Another site's page, served by the browser itself, that posts a form to the console on load.
        await page.RouteAsync("http://attacker.test/**", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"<form method='post' action='{target}'><input name='origin' value='https://attacker.example'></form><script>document.forms[0].submit()</script>",
        }));
        var posted = await page.RunAndWaitForResponseAsync(() => page.GotoAsync("http://attacker.test/"), r => r.Url == target.ToString());
        posted.Status.ShouldBe(400);
        using var admin = host.Admin();
        (await admin.GetAsync("/v1/origins/https://attacker.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_read_only_token_sees_no_write_controls_and_a_forged_post_gets_403_and_is_audited()
    {
        var token = await TokenAsync("viewer", "rules:read");
        var page = await SignedInAsync(token);
        await page.GotoAsync("/console/origins");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Origins", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add origin" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Preview the plan" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link)).ToHaveTextAsync(["Overview", "Origins", "User-Agent rules", "Settings", "Simulate", "Expectations", "Rollout"]);
        await page.GotoAsync("/console/user-agents");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add rule" })).ToHaveCountAsync(0);
        await page.GotoAsync("/console/settings");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Change mode" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "off" })).ToBeDisabledAsync();

        // The post the page does not offer, sent with the session's own cookie and antiforgery token.
        var antiforgery = await page.Locator("input[name='__RequestVerificationToken']").First.InputValueAsync();
        var forged = await page.Context.APIRequest.PostAsync("/console/origins?handler=Add", new()
        {
            Form = FormOf(page.Context.APIRequest, ("origin", "https://forged.example"), ("__RequestVerificationToken", antiforgery)),
        });
        forged.Status.ShouldBe(403, await forged.TextAsync());
        (await forged.TextAsync()).ShouldContain("rules:write");
        using var admin = host.Admin();
        (await admin.GetAsync("/v1/origins/https://forged.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var denied = (await admin.GetJsonAsync("/v1/audit?action=auth.denied&actor=viewer"))["items"]!.AsArray();
        denied.ShouldContain(e => e!["outcome"]!.GetValue<string>() == "forbidden" && e["target"]!.GetValue<string>().Contains("/v1/origins"));
    }

    [Fact]
    public async Task Revoking_the_token_ends_its_console_session()
    {
        var token = await TokenAsync("short-lived", "rules:read");
        var page = await SignedInAsync(token);
        using var admin = host.Admin();
        var id = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "short-lived")!["id"]!.GetValue<string>();
        (await admin.DeleteAsync($"/v1/tokens/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await page.GotoAsync("/console/origins");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in\\?ended=1$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your session ended");
        // Signing in again with the revoked token is refused.
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("revoked");
    }

    static IFormData FormOf(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
            form.Set(name, value);
        return form;
    }
}
