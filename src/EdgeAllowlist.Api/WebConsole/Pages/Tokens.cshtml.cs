using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class TokensModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public List<JsonElement> Items { get; } = [];

    /// <summary>The token just made, shown in this response only.</summary>
    public JsonElement? Created { get; private set; }

    /// <summary>A token with an expiry mints only tokens expiring no later (the API's rule; the form says so up front).</summary>
    public bool MustExpire { get; private set; }

    /// <summary>The partners the signed-in token may rotate for (none: all); a token it makes may name only these.</summary>
    public IReadOnlyList<string> Partners { get; private set; } = [];

    public async Task OnGetAsync() => await LoadAsync();

    async Task LoadAsync()
    {
        var me = await Api("GET", "/v1/tokens/current");
        MustExpire = me.Json.Str("expiresAt").Length > 0;
        Partners = [.. me.Json.Items("partners").Select(p => p.GetString()!)];
        var list = await Api("GET", "/v1/tokens");
        if (list.Ok)
            Items.AddRange(list.Json.Items());
        else
            Refused(list);
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, string[]? scopes, string? expires, string? partners)
    {
        var limitedTo = partners?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var answer = await Api("POST", "/v1/tokens", new { name = name ?? "", scopes = scopes ?? [], expiresAt = Utc(expires), partners = limitedTo is { Length: > 0 } ? limitedTo : null });
        if (answer.Ok)
            Created = answer.Json;
        else
            Refused(answer);
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? id)
    {
        var answer = await Api("DELETE", "/v1/tokens/" + Escape(id ?? ""));
        if (answer.Ok)
            return Done($"Revoked {answer.Json.Str("name")}.");
        Refused(answer);
        await LoadAsync();
        return Page();
    }
}
