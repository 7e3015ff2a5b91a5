using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>
/// A console page: signed in, with the token checked through the API on every request (a revoked or
/// expired token ends the session here), and every read and change sent to the API as that token.
/// The page never decides what a token may do; it hides controls the token's scopes do not allow,
/// and what the API refuses is shown with the API's status (a forged post answers 403).
/// </summary>
public abstract class ConsolePage(InProcessApi api, ConsoleSessions sessions) : PageModel
{
    public string TokenName { get; private set; } = "";

    public IReadOnlyList<string> Scopes { get; private set; } = [];

    /// <summary>What the last change said went wrong, one line each (the API's problem detail and field errors).</summary>
    public List<string> Errors { get; } = [];

    /// <summary>
    /// The expectations the last change would have broken (the API's 409 <c>flips</c>): the page lists
    /// them and offers to post the same form again with <see cref="ForceField"/>, which writes anyway.
    /// </summary>
    public IReadOnlyList<JsonElement> Flips { get; private set; } = [];

    /// <summary>The form field a confirmation adds; every change the page then sends carries <c>?force=true</c>, the API's one way to force.</summary>
    public const string ForceField = "force";

    /// <summary>What the last change did, for the page to confirm.</summary>
    [TempData]
    public string? Notice { get; set; }

    public bool Has(string scope) => Scopes.Contains(scope);

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var session = HttpContext.ConsoleSession();
        if (session is null)
        {
            context.Result = SignInRedirect(ended: HttpContext.Request.Cookies.ContainsKey(ConsoleSessions.CookieName));
            return;
        }
        var me = await api.SendAsync(HttpContext, session.Token, "GET", "/v1/tokens/current");
        if (me.Status == StatusCodes.Status401Unauthorized)
        {
            await sessions.EndAsync(session.Id, HttpContext.RequestAborted);
            context.Result = SignInRedirect(ended: true);
            return;
        }
        if (!me.Ok)
        {
            context.Result = new ContentResult { StatusCode = me.Status, ContentType = "text/plain; charset=utf-8", Content = string.Join('\n', me.ProblemLines()) };
            return;
        }
        TokenName = me.Json.GetProperty("name").GetString()!;
        Scopes = [.. me.Json.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!)];
        await next();
    }

    IActionResult SignInRedirect(bool ended)
    {
        Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.CookieOptions(Request));
        return Redirect(ended ? "/console/sign-in?ended=1" : "/console/sign-in");
    }

    protected Task<ApiAnswer> Api(string method, string pathAndQuery, object? body = null, string? idempotencyKey = null, string? ifMatch = null) =>
        api.SendAsync(HttpContext, HttpContext.ConsoleSession()!.Token, method, Confirmed && method != "GET" ? WithForce(pathAndQuery) : pathAndQuery, body, idempotencyKey, ifMatch);

    /// <summary>The person saw the flips and confirmed: this post repeats the refused one with the force field.</summary>
    bool Confirmed => HttpMethods.IsPost(Request.Method) && Request.HasFormContentType && Request.Form[ForceField] == "true";

    static string WithForce(string pathAndQuery) => pathAndQuery + (pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "force=true";

    /// <summary>The refused post's fields, to post again on confirmation (a fresh Idempotency-Key: the refused attempt's key answered already).</summary>
    public IEnumerable<KeyValuePair<string, string>> RepostFields() =>
        Request.HasFormContentType
            // The confirmation form carries its own antiforgery token.
            ? Request.Form.Where(f => f.Key != ForceField && f.Key != "__RequestVerificationToken").Select(f => KeyValuePair.Create(f.Key, f.Key == "idempotencyKey" ? Guid.NewGuid().ToString("N") : f.Value.ToString()))
            : [];

    protected Task<ApiAnswer> ApiUpload(string pathAndQuery, Stream body, string contentType, long? length) =>
        api.SendStreamAsync(HttpContext, HttpContext.ConsoleSession()!.Token, "POST", pathAndQuery, body, contentType, length);

    /// <summary>Shows what the API refused, answering with the API's own status.</summary>
    protected void Refused(ApiAnswer answer)
    {
        Errors.AddRange(answer.ProblemLines());
        if (answer.Status == StatusCodes.Status409Conflict && answer.Json.ValueKind == JsonValueKind.Object)
            Flips = [.. answer.Json.Items("flips")];
        Response.StatusCode = answer.Status;
    }

    /// <summary>After a change that worked: back to the page (GET), with a notice.</summary>
    protected IActionResult Done(string notice, object? routeValues = null)
    {
        Notice = notice;
        return RedirectToPage(routeValues);
    }

    protected static string Escape(string segment) => Uri.EscapeDataString(segment);

    /// <summary>A <c>datetime-local</c> field, read as UTC (the forms say so); null when empty or unreadable, and the API judges the rest.</summary>
    protected static DateTimeOffset? Utc(string? local) =>
        DateTime.TryParse(local, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}

/// <summary>Reading the API's JSON in views without a type per answer.</summary>
public static class JsonRead
{
    public static string Str(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => v.GetRawText(),
        } : "";

    public static JsonElement Get(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    public static IEnumerable<JsonElement> Items(this JsonElement e, string name = "items") =>
        e.Get(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static long Long(this JsonElement e, string name) => e.Get(name) is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : 0;

    public static bool Bool(this JsonElement e, string name) => e.Get(name).ValueKind == JsonValueKind.True;

    public static DateTimeOffset? Time(this JsonElement e, string name) =>
        e.Get(name) is { ValueKind: JsonValueKind.String } s && DateTimeOffset.TryParse(s.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null;
}
