using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

/// <summary>
/// <c>GET /v1/expectations</c> as a table: the admin's own (deleted here, added from the Simulate
/// page's "keep this result") and the built-in ones (muted or unmuted here), each with whether it
/// holds on the store now.
/// </summary>
public sealed class ExpectationsModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public JsonElement? List { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    async Task LoadAsync()
    {
        var list = await Api("GET", "/v1/expectations");
        if (list.Ok)
            List = list.Json;
        else
            Refused(list);
    }

    public Task<IActionResult> OnPostDeleteAsync(string? name) =>
        ChangeAsync(Api("DELETE", $"/v1/expectations/{Escape(name ?? "")}"), $"Deleted the expectation {name}.");

    public Task<IActionResult> OnPostMuteAsync(string? name, bool muted) =>
        ChangeAsync(Api("POST", "/v1/expectations/mutes", new { name = name ?? "", muted }), muted ? $"Muted {name}: it is no longer checked." : $"{name} is checked again.");

    async Task<IActionResult> ChangeAsync(Task<ApiAnswer> call, string notice)
    {
        var answer = await call;
        if (answer.Ok)
            return Done(notice);
        Refused(answer);
        await LoadAsync();
        return Page();
    }
}
