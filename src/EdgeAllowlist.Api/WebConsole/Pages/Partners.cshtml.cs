using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class PartnersModel(InProcessApi api, ConsoleSessions sessions, TimeProvider time) : ConsolePage(api, sessions)
{
    public sealed record PartnerSecrets(JsonElement Partner, IReadOnlyList<JsonElement> Secrets);

    public sealed record Revocation(string Partner, string Id);

    public List<PartnerSecrets> Partners { get; } = [];

    /// <summary>A secret just made: this response is the only place it appears.</summary>
    public JsonElement? Issued { get; private set; }

    public Revocation? ConfirmRevoke { get; private set; }

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>For a token that may only rotate: the partners it is limited to (none: every partner).</summary>
    public IReadOnlyList<string> RotatablePartners { get; private set; } = [];

    public async Task OnGetAsync(string? revoke)
    {
        if (revoke?.Split('/') is [var partner, var id])
            ConfirmRevoke = new(partner, id);
        await LoadAsync();
    }

    async Task LoadAsync()
    {
        if (!Has(Infrastructure.Auth.ApiScopes.SecretsAdmin))
        {
            RotatablePartners = [.. (await Api("GET", "/v1/tokens/current")).Json.Items("partners").Select(p => p.GetString()!)];
            return;
        }
        var partners = await Api("GET", "/v1/partners");
        if (!partners.Ok)
        {
            Refused(partners);
            return;
        }
        foreach (var partner in partners.Json.Items())
        {
            var secrets = await Api("GET", $"/v1/partners/{Escape(partner.Str("id"))}/secrets");
            Partners.Add(new(partner, secrets.Ok ? [.. secrets.Json.Items()] : []));
        }
    }

    public async Task<IActionResult> OnPostCreatePartnerAsync(string? id, string? scope, string? description)
    {
        var answer = await Api("POST", "/v1/partners", new { id = id ?? "", scope = scope ?? "", description = string.IsNullOrWhiteSpace(description) ? null : description });
        if (answer.Ok)
            return Done($"Registered partner {id}. Now create its secret.");
        Refused(answer);
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostCreateSecretAsync(string? partner, string? distributionDomain, string? idempotencyKey) =>
        IssueAsync($"/v1/partners/{Escape(partner ?? "")}/secrets", new { distributionDomain = Blank(distributionDomain) }, idempotencyKey);

    /// <summary>People think of grace in hours; the API takes seconds, and its validator names the field when the hours are out of range.</summary>
    public Task<IActionResult> OnPostRotateAsync(string? partner, string? distributionDomain, double? graceHours, string? idempotencyKey) =>
        IssueAsync($"/v1/partners/{Escape(partner ?? "")}/secrets/rotate", new
        {
            distributionDomain = Blank(distributionDomain),
            graceSeconds = graceHours is { } hours ? (int?)Math.Round(Math.Clamp(hours, -1, 1e5) * 3600) : null,
        }, idempotencyKey);

    /// <summary>Answered with the page itself, not a redirect: the secret must not travel through TempData or a URL.</summary>
    async Task<IActionResult> IssueAsync(string path, object body, string? idempotencyKey)
    {
        var answer = await Api("POST", path, body, idempotencyKey);
        if (answer.Ok)
            Issued = answer.Json;
        else
            Refused(answer);
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? partner, string? id)
    {
        var answer = await Api("DELETE", $"/v1/partners/{Escape(partner ?? "")}/secrets/{Escape(id ?? "")}");
        if (answer.Ok)
            return Done($"Revoked secret {id} of {partner}.");
        Refused(answer);
        await LoadAsync();
        return Page();
    }

    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
