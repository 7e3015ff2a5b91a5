using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.WebConsole;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>Session lifetimes (on the host's test clock, so on a host of their own), antiforgery bound to the session, and the console's headers.</summary>
public sealed class ConsoleSessionTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_session_ends_after_30_idle_minutes_and_8_hours_after_sign_in_however_busy()
    {
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        host.Clock.Advance(ConsoleSessions.IdleTimeout - TimeSpan.FromMinutes(1));
        (await console.GetAsync("/console")).StatusCode.ShouldBe(HttpStatusCode.OK, "each view renews the idle time");
        host.Clock.Advance(ConsoleSessions.IdleTimeout + TimeSpan.FromMinutes(1));
        var idle = await console.GetAsync("/console");
        idle.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        idle.Headers.Location!.ToString().ShouldBe("/console/sign-in?ended=1");

        await console.SignedInAsync(host.AdminToken);
        var busy = TimeSpan.Zero;
        while (busy + TimeSpan.FromMinutes(20) < ConsoleSessions.MaxLifetime)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(20));
            busy += TimeSpan.FromMinutes(20);
            (await console.GetAsync("/console")).StatusCode.ShouldBe(HttpStatusCode.OK, $"after {busy}");
        }
        host.Clock.Advance(ConsoleSessions.MaxLifetime - busy + TimeSpan.FromSeconds(1));
        (await console.GetAsync("/console")).Headers.Location!.ToString().ShouldBe("/console/sign-in?ended=1");
    }

    [Fact]
    public async Task A_form_from_an_earlier_session_is_refused_in_the_next_one()
    {
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        var earlier = await console.AntiforgeryAsync("/console/origins");
        (await console.PostWithAsync(earlier, "/console/sign-out")).StatusCode.ShouldBe(HttpStatusCode.Found);
        await console.SignedInAsync(host.AdminToken);

        var stale = await console.PostWithAsync(earlier, "/console/origins?handler=Add", ("origin", "https://stale-form.example"));
        stale.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var admin = host.Admin();
        (await admin.GetAsync("/v1/origins/https://stale-form.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var fresh = await console.PostAsync("/console/origins", "?handler=Add", ("origin", "https://stale-form.example"));
        fresh.StatusCode.ShouldBe(HttpStatusCode.Found);
    }

    [Fact]
    public async Task Every_console_answer_forbids_inline_code_framing_and_caching_and_slash_leads_to_the_console()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var root = await anonymous.GetAsync("/");
        root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        root.Headers.Location!.ToString().ShouldBe("/console");
        foreach (var path in new[] { "/console", "/console/sign-in", "/console/assets/console.css", "/console/assets/console.js" })
        {
            var answer = await anonymous.GetAsync(path);
            answer.Headers.GetValues("Content-Security-Policy").Single()
                .ShouldBe("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'", path);
            answer.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY", path);
            answer.Headers.CacheControl!.NoStore.ShouldBeTrue(path);
        }
        (await anonymous.GetAsync("/console/assets/other.js")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var signIn = await anonymous.GetStringAsync("/console/sign-in");
        signIn.ShouldNotContain("<script>");
        signIn.ShouldNotContain("style=");
    }
}
