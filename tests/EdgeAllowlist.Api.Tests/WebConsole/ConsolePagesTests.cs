using System.Net;
using System.Net.Http.Json;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>The console's forms over HTTP (no browser): what each page shows, and what reached the API.</summary>
public sealed class ConsolePagesTests(ApiHost host) : IClassFixture<ApiHost>
{
    async Task<ConsoleClient> AdminAsync() => await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);

    [Fact]
    public async Task Bulk_paste_previews_the_plan_with_the_APIs_own_normalisation_and_refusals_then_applies_only_the_additions()
    {
        using var admin = host.Admin();
        (await admin.PostAsJsonAsync("/v1/origins", new { origin = "https://already.example" })).EnsureSuccessStatusCode();
        using var console = await AdminAsync();
        const string Paste = "https://WWW.Bulk-One.example\nhttps://already.example\nnull\n\nhttps://bulk-two.example:443\n";

        var preview = await console.PostAsync("/console/origins", "?handler=Preview", ("lines", Paste));
        var plan = await preview.Content.ReadAsStringAsync();
        preview.StatusCode.ShouldBe(HttpStatusCode.OK, plan);
        plan.ShouldContain("Plan: 2 to add, 1 already allowed, 1 refused");
        plan.ShouldContain("<code>https://www.bulk-one.example</code>");
        plan.ShouldContain("<code>https://bulk-two.example</code>");
        (await admin.GetAsync("/v1/origins/https://www.bulk-one.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a preview writes nothing");

        var applied = await console.PostAsync("/console/origins", "?handler=Apply", ("lines", "https://WWW.Bulk-One.example\nhttps://bulk-two.example:443"), ("idempotencyKey", Guid.NewGuid().ToString("N")));
        applied.StatusCode.ShouldBe(HttpStatusCode.Found);
        (await console.PageAsync("/console/origins")).ShouldContain("Bulk paste applied: 2 added, 0 updated, 0 unchanged.");
        (await admin.GetAsync("/v1/origins/https://www.bulk-one.example")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("/v1/origins/https://bulk-two.example")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var found = await console.PageAsync("/console/origins?q=BULK-two");
        found.ShouldContain("data-origin=\"https://bulk-two.example\"");
        found.ShouldNotContain("data-origin=\"https://already.example\"");
        (await console.PostAsync("/console/origins", "?handler=Delete", ("origin", "https://bulk-two.example"))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await console.PostAsync("/console/origins", "?handler=Delete", ("origin", "https://bulk-two.example"), ("force", "true"))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await admin.GetAsync("/v1/origins/https://bulk-two.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetJsonAsync("/v1/audit?action=origin.delete&target=https://bulk-two.example"))["items"]!.AsArray().ShouldHaveSingleItem()!["actor"]!.GetValue<string>().ShouldBe("bootstrap-admin");
    }

    [Fact]
    public async Task User_agent_rules_hint_at_the_wildcard_and_show_the_apis_reasons()
    {
        using var console = await AdminAsync();
        var added = await console.PostAsync("/console/user-agents", "?handler=Add", ("list", "allow"), ("kind", "contains"), ("pattern", "AppleCoreMedia/1.0 (iPhone"), ("force", "true"));
        added.StatusCode.ShouldBe(HttpStatusCode.Found);
        var page = await console.PageAsync("/console/user-agents");
        page.ShouldContain(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(Features.UserAgents.UserAgentRules.Semantics));
        (await console.PageAsync("/console/settings")).ShouldContain(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(Features.UserAgents.UserAgentRules.Semantics));
        page.ShouldContain("<code>AppleCoreMedia/1.0 (iPhone</code>");

        var refused = await console.PostAsync("/console/user-agents", "?handler=Add", ("list", "deny"), ("kind", "contains"), ("pattern", "Bot*"));
        var body = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        body.ShouldContain("The API refused this (400)");
        body.ShouldContain("pattern");
        body.ShouldContain(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(EdgeAllowlist.Api.WebConsole.Pages.UserAgentsModel.WildcardHint));
        using var admin = host.Admin();
        (await admin.GetJsonAsync("/v1/user-agents"))["deny"]!.AsArray().ShouldBeEmpty();

        var rule = (await admin.GetJsonAsync("/v1/user-agents"))["allow"]!.AsArray().Single(r => r!["pattern"]!.GetValue<string>() == "AppleCoreMedia/1.0 (iPhone")!;
        (await console.PostAsync("/console/user-agents", "?handler=Delete", ("list", "allow"), ("id", rule["id"]!.GetValue<string>()), ("force", "true"))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await admin.GetJsonAsync("/v1/user-agents"))["allow"]!.AsArray().ShouldNotContain(r => r!["id"]!.GetValue<string>() == rule["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Switching_to_enforce_asks_first_and_changes_nothing_until_confirmed()
    {
        using var console = await AdminAsync();
        using var admin = host.Admin();
        // Confirmed: report lets the forged MediaTailor request through.
        (await console.PostAsync("/console/settings", "?handler=Mode", ("mode", "report"), ("force", "true"))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("report");

        var asked = await console.PostAsync("/console/settings", "?handler=Mode", ("mode", "enforce"));
        asked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await asked.Content.ReadAsStringAsync()).ShouldContain("Switch to enforce?");
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("report");

        // No User-Agent allow rule here: enforcing would deny native players, which the built-in expectation names.
        var flipped = await console.PostAsync("/console/settings", "?handler=Mode", ("mode", "enforce"), ("confirmed", "yes"));
        flipped.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await flipped.Content.ReadAsStringAsync()).ShouldContain("data-flip=\"builtin:native-players\"");
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("report");

        (await console.PostAsync("/console/settings", "?handler=Mode", ("mode", "enforce"), ("confirmed", "yes"), ("force", "true"))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("enforce");
    }

    [Fact]
    public async Task The_token_form_offers_only_the_scopes_held_and_a_new_token_is_shown_once()
    {
        using var admin = host.Admin();
        var minter = await (await admin.PostAsJsonAsync("/v1/tokens", new { name = "console-minter", scopes = new[] { "rules:read", "tokens:admin" } })).JsonAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(minter["token"]!.GetValue<string>());
        var form = await console.PageAsync("/console/tokens");
        form.ShouldContain("value=\"rules:read\"");
        form.ShouldContain("value=\"tokens:admin\"");
        form.ShouldNotContain("value=\"rules:write\"");
        form.ShouldNotContain("value=\"secrets:admin\"");

        var created = await console.PostAsync("/console/tokens", "?handler=Create", ("name", "console-made"), ("scopes", "rules:read"));
        var shown = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.OK, shown);
        var token = System.Text.RegularExpressions.Regex.Match(shown, "id=\"new-token\" type=\"text\" readonly value=\"(eaat_[A-Za-z0-9_-]{43})\"").Groups[1].Value;
        token.ShouldNotBeEmpty(shown);
        using (var made = host.Client(token))
            (await made.GetJsonAsync("/v1/tokens/current"))["name"]!.GetValue<string>().ShouldBe("console-made");
        (await console.PageAsync("/console/tokens")).ShouldNotContain(token);
        var madeId = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "console-made")!["id"]!.GetValue<string>();
        (await console.PostAsync("/console/tokens", "?handler=Revoke", ("id", madeId))).StatusCode.ShouldBe(HttpStatusCode.Found);
        using (var revoked = host.Client(token))
            (await revoked.GetAsync("/v1/tokens/current")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Beyond its scopes: the API's lattice refuses it, with the API's 403.
        var beyond = await console.PostAsync("/console/tokens", "?handler=Create", ("name", "too-much"), ("scopes", "rules:write"));
        beyond.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await beyond.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_rotation_token_made_in_the_console_is_limited_to_the_partners_named()
    {
        using var console = await AdminAsync();
        (await console.PageAsync("/console/tokens")).ShouldContain("Partners for secrets:rotate");
        var created = await console.PostAsync("/console/tokens", "?handler=Create", ("name", "rotate-mt"), ("scopes", "secrets:rotate"), ("partners", " mediatailor  other-cdn "));
        created.StatusCode.ShouldBe(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        using var admin = host.Admin();
        var made = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "rotate-mt")!;
        made["partners"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["mediatailor", "other-cdn"]);
    }

    [Fact]
    public async Task A_token_that_may_only_rotate_gets_the_rotation_form_for_its_partners_and_nothing_else()
    {
        using var admin = host.Admin();
        foreach (var partner in new[] { "rot-only", "rot-other" })
        {
            (await admin.PostAsJsonAsync("/v1/partners", new { id = partner, scope = "manifests" })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/v1/partners/{partner}/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).EnsureSuccessStatusCode();
        }
        var rotator = await (await admin.PostAsJsonAsync("/v1/tokens", new { name = "console-rotator", scopes = new[] { "secrets:rotate" }, partners = new[] { "rot-only" } })).JsonAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(rotator["token"]!.GetValue<string>());
        var page = await console.PageAsync("/console/partners");
        page.ShouldContain("Rotate a partner's secret");
        page.ShouldContain("value=\"rot-only\"");
        page.ShouldNotContain("Register a partner");

        var rotated = await console.PostAsync("/console/partners", "?handler=Rotate", ("partner", "rot-only"), ("distributionDomain", "d111111abcdef8.cloudfront.net"), ("graceHours", "1"), ("idempotencyKey", Guid.NewGuid().ToString("N")));
        var shown = await rotated.Content.ReadAsStringAsync();
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK, shown);
        shown.ShouldContain("New secret for rot-only");
        (await admin.GetJsonAsync("/v1/partners/rot-only/secrets"))["items"]!.AsArray().Count.ShouldBe(2);

        var other = await console.PostAsync("/console/partners", "?handler=Rotate", ("partner", "rot-other"), ("distributionDomain", "d111111abcdef8.cloudfront.net"), ("idempotencyKey", Guid.NewGuid().ToString("N")));
        other.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await other.Content.ReadAsStringAsync());
        (await admin.GetJsonAsync("/v1/partners/rot-other/secrets"))["items"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Revoking_a_secret_asks_for_confirmation_first()
    {
        using var admin = host.Admin();
        (await admin.PostAsJsonAsync("/v1/partners", new { id = "confirm-me", scope = "manifests" })).EnsureSuccessStatusCode();
        var secret = await (await admin.PostAsJsonAsync("/v1/partners/confirm-me/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).JsonAsync();
        var id = secret["id"]!.GetValue<string>();
        using var console = await AdminAsync();
        var page = await console.PageAsync("/console/partners");
        page.ShouldContain($"href=\"/console/partners?revoke=confirm-me/{id}\"");
        page.ShouldNotContain("Revoke now");
        (await console.PageAsync($"/console/partners?revoke=confirm-me/{id}")).ShouldContain($"Revoke secret {id} of confirm-me?");
        (await admin.GetJsonAsync("/v1/partners/confirm-me/secrets"))["items"]!.AsArray().Count.ShouldBe(1, "asking changes nothing");

        // The partner's last secret: the console shows the flip it would cause and changes nothing until confirmed again.
        var refused = await console.PostAsync($"/console/partners?revoke=confirm-me/{id}", "&handler=Revoke", ("partner", "confirm-me"), ("id", id));
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var shown = await refused.Content.ReadAsStringAsync();
        shown.ShouldContain("data-flip=\"builtin:partner:confirm-me\"");
        shown.ShouldContain("Write it anyway");
        (await admin.GetJsonAsync("/v1/partners/confirm-me/secrets"))["items"]!.AsArray().Count.ShouldBe(1, "refused changes nothing");

        (await console.PostAsync($"/console/partners?revoke=confirm-me/{id}", "&handler=Revoke", ("partner", "confirm-me"), ("id", id), ("force", "true"))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await admin.GetJsonAsync("/v1/partners/confirm-me/secrets"))["items"]!.AsArray().ShouldBeEmpty();
        (await admin.GetJsonAsync($"/v1/audit?action=secret.revoke&target=confirm-me%2F{id}"))["items"]!.AsArray().ShouldHaveSingleItem()!["detail"]!.GetValue<string>()
            .ShouldContain("builtin:partner:confirm-me (pass -> deny)");
    }

    [Theory]
    [InlineData("https", true)]
    [InlineData("http", false)]
    public void The_session_cookie_is_HttpOnly_SameSite_Strict_and_Secure_over_HTTPS(string scheme, bool secure)
    {
        var request = new Microsoft.AspNetCore.Http.DefaultHttpContext().Request;
        request.Scheme = scheme;
        var options = EdgeAllowlist.Api.WebConsole.ConsoleSessions.CookieOptions(request);
        options.HttpOnly.ShouldBeTrue();
        options.SameSite.ShouldBe(Microsoft.AspNetCore.Http.SameSiteMode.Strict);
        options.Secure.ShouldBe(secure);
        options.Path.ShouldBe("/console");
    }
}
