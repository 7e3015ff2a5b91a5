using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class SignOutModel(ConsoleSessions sessions) : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public async Task<IActionResult> OnPostAsync()
    {
        await sessions.EndAsync(Request.Cookies[ConsoleSessions.CookieName], HttpContext.RequestAborted);
        Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.CookieOptions(Request));
        return Redirect("/console/sign-in");
    }
}
