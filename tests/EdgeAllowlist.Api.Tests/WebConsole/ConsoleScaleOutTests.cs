using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>
/// Two instances on one PostgreSQL and one store, as behind a load balancer without sticky sessions:
/// a session started on one is served by the other (pages and forms, whose antiforgery keys they
/// share), outlives a restart, and ends everywhere when its token is revoked.
/// </summary>
public sealed class ConsoleScaleOutTests(SharedPostgresEmulatorApiHost host, ConsoleBrowser browser)
    : IClassFixture<SharedPostgresEmulatorApiHost>, IClassFixture<ConsoleBrowser>
{
    [Fact]
    public async Task A_browser_signed_in_on_one_instance_works_on_the_other_and_after_the_first_restarts()
    {
        var second = host.NewInstance();
        await second.InitializeAsync();
        try
        {
            var page = await browser.NewPageAsync(host.Api.BaseAddress);
            await page.GotoAsync("/console/sign-in");
            await page.GetByLabel("API token").FillAsync(host.Api.AdminToken);
            await page.GetByLabel("API token").PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();

            // Same host, other port: the browser sends the same cookies (they are per host), to the other instance.
            await page.GotoAsync(new Uri(second.BaseAddress, "/console/origins").ToString());
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/origins$"));
            await page.GetByLabel("Origin", new() { Exact = true }).FillAsync("https://second.scale-out.example");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add origin" }).ClickAsync();
            await Assertions.Expect(page.GetByText("https://second.scale-out.example").First).ToBeVisibleAsync();
            using (var admin = host.Api.Admin())
                (await admin.GetAsync("/v1/origins/https://second.scale-out.example")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // The instance that served it restarts (nothing of the session is left in its memory): nobody is signed out.
            await second.DisposeAsync();
            second = host.NewInstance();
            await second.InitializeAsync();
            await page.GotoAsync(new Uri(second.BaseAddress, "/console/origins").ToString());
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/origins$"));
            await page.GetByLabel("Origin", new() { Exact = true }).FillAsync("https://restarted.scale-out.example");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add origin" }).ClickAsync();
            await Assertions.Expect(page.GetByText("https://restarted.scale-out.example").First).ToBeVisibleAsync();
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_form_issued_by_one_instance_is_accepted_by_the_other_and_by_a_restarted_one()
    {
        var second = host.NewInstance();
        await second.InitializeAsync();
        try
        {
            using var console = await new ConsoleClient(host.Api.BaseAddress).SignedInAsync(host.Api.AdminToken);
            // The form and its antiforgery cookie from the first; posted to the second (same host, so the same cookies).
            var antiforgery = await console.AntiforgeryAsync("/console/origins");
            var posted = await console.PostWithAsync(antiforgery, new Uri(second.BaseAddress, "/console/origins?handler=Add").ToString(), ("origin", "https://form.scale-out.example"));
            posted.StatusCode.ShouldBe(HttpStatusCode.Found, await posted.Content.ReadAsStringAsync());

            await second.DisposeAsync();
            second = host.NewInstance();
            await second.InitializeAsync();
            var afterRestart = await console.PostWithAsync(antiforgery, new Uri(second.BaseAddress, "/console/origins?handler=Add").ToString(), ("origin", "https://restart-form.scale-out.example"));
            afterRestart.StatusCode.ShouldBe(HttpStatusCode.Found, await afterRestart.Content.ReadAsStringAsync());
            using var admin = host.Api.Admin();
            (await admin.GetAsync("/v1/origins/https://form.scale-out.example")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await admin.GetAsync("/v1/origins/https://restart-form.scale-out.example")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Revoking_a_token_on_one_instance_ends_its_console_sessions_on_the_other_at_once()
    {
        var second = host.NewInstance();
        await second.InitializeAsync();
        try
        {
            using var admin = host.Api.Admin();
            var created = await admin.PostAsJsonAsync("/v1/tokens", new { name = "scale-out-console", scopes = new[] { "rules:read" } });
            var body = await created.JsonAsync();
            var (token, id) = (body["token"]!.GetValue<string>(), body["metadata"]!["id"]!.GetValue<string>());
            using var console = await new ConsoleClient(host.Api.BaseAddress).SignedInAsync(token);
            (await console.GetAsync("/console")).StatusCode.ShouldBe(HttpStatusCode.OK);

            using var otherAdmin = second.Admin();
            (await otherAdmin.DeleteAsync($"/v1/tokens/{id}")).IsSuccessStatusCode.ShouldBeTrue();

            // At once: within the 5 s the first instance may still remember the token as valid.
            var ended = await console.GetAsync("/console");
            ended.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            ended.Headers.Location!.ToString().ShouldBe("/console/sign-in?ended=1");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
}
