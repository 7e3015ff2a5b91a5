using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class UserAgentsModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public const string WildcardHint = "This pattern contains '*', the wildcard: only kind wildcard takes it (a User-Agent never holds a literal '*').";

    public JsonElement? Rules { get; private set; }

    [TempData]
    public string? Hint { get; set; }

    public async Task OnGetAsync() => await LoadAsync();

    async Task LoadAsync()
    {
        var rules = await Api("GET", "/v1/user-agents");
        if (rules.Ok)
            Rules = rules.Json;
        else
            Refused(rules);
    }

    public async Task<IActionResult> OnPostAddAsync(string? list, string? kind, string? pattern)
    {
        var answer = await Api("POST", "/v1/user-agents", new { list = list ?? "", kind = kind ?? "", pattern = pattern ?? "" });
        var hint = kind != "wildcard" && pattern?.Contains('*') == true ? WildcardHint : null;
        if (answer.Ok)
        {
            Hint = hint;
            return Done(answer.Status == StatusCodes.Status201Created ? $"Added the {list} rule {pattern}." : $"The {list} rule {pattern} was already there.");
        }
        // The reasons (a '*' outside a wildcard, a cap, rules that would not fit) come in the problem.
        Refused(answer);
        Hint = hint;
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string? list, string? id)
    {
        var answer = await Api("DELETE", $"/v1/user-agents/{Escape(list ?? "")}/{Escape(id ?? "")}");
        if (answer.Ok)
            return Done("Deleted the rule.");
        Refused(answer);
        await LoadAsync();
        return Page();
    }
}
