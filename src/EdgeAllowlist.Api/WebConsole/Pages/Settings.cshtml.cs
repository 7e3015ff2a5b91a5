using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class SettingsModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public static readonly (string Value, string Meaning)[] Modes =
    [
        ("enforce", "Deny what the rules do not allow. The normal setting once report mode's logs are clean."),
        ("report", "Block nothing; log every request that would be denied (CloudWatch, one JSON line each). For rolling out new rules."),
        ("off", "Pass everything unchecked; only a partner path is still stripped. For emergencies."),
    ];

    public static readonly (string Value, string Meaning)[] NoOrigins =
    [
        ("ua", "Pass only if every User-Agent value matches an allow rule and none a deny rule (without allow rules: denied)."),
        ("deny", "Deny them all."),
        ("allow", "Pass them unless a deny rule matches: anyone who leaves the headers out gets through."),
    ];

    public JsonElement? Policy { get; private set; }

    public bool ConfirmEnforce { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    async Task LoadAsync()
    {
        var policy = await Api("GET", "/v1/settings");
        if (policy.Ok)
            Policy = policy.Json;
        else
            Refused(policy);
    }

    public async Task<IActionResult> OnPostModeAsync(string? mode, string? confirmed)
    {
        await LoadAsync();
        if (mode == "enforce" && Policy?.Str("mode") != "enforce" && confirmed != "yes")
        {
            ConfirmEnforce = true;
            return Page();
        }
        return await PatchAsync(new { mode = mode ?? "" }, $"Mode is now {mode}.");
    }

    public async Task<IActionResult> OnPostNoOriginAsync(string? noOrigin) => await PatchAsync(new { noOrigin = noOrigin ?? "" }, $"noOrigin is now {noOrigin}.");

    async Task<IActionResult> PatchAsync(object change, string notice)
    {
        var answer = await Api("PATCH", "/v1/settings", change);
        if (answer.Ok)
            return Done(notice);
        Refused(answer);
        await LoadAsync();
        return Page();
    }
}
