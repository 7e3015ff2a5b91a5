using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeAllowlist.Api.WebConsole.Pages;

/// <summary>
/// Signing in checks the token through the API itself (<c>GET /v1/tokens/current</c>), from the
/// browser's address: a wrong token counts against that address's failure limit and is audited
/// exactly as an API client's would be.
/// </summary>
public sealed class SignInModel(InProcessApi api, ConsoleSessions sessions) : PageModel
{
    public bool Ended { get; private set; }

    public string? Error { get; private set; }

    public void OnGet(int? ended) => Ended = ended == 1;

    public async Task<IActionResult> OnPostAsync(string? token)
    {
        var presented = token?.Trim() ?? "";
        var answer = await api.SendAsync(HttpContext, presented, "GET", "/v1/tokens/current");
        if (!answer.Ok)
        {
            Response.StatusCode = answer.Status;
            Error = answer.Status == StatusCodes.Status429TooManyRequests
                ? $"Too many failed sign-ins from your address; try again in {answer.Header("Retry-After")} s."
                : string.Join(' ', answer.ProblemLines());
            return Page();
        }
        await sessions.EndAsync(Request.Cookies[ConsoleSessions.CookieName], HttpContext.RequestAborted);
        var session = await sessions.StartAsync(presented, answer.Json.GetProperty("id").GetString()!, HttpContext.RequestAborted);
        Response.Cookies.Append(ConsoleSessions.CookieName, session.Id, ConsoleSessions.CookieOptions(Request));
        return Redirect("/console");
    }
}
