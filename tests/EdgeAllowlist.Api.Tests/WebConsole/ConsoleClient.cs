using System.Net;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>
/// The console as a form-posting client without a browser: a cookie jar, the antiforgery token read from
/// each page, redirects not followed (so the status of each answer is seen).
/// </summary>
public sealed partial class ConsoleClient(Uri baseAddress) : IDisposable
{
    readonly HttpClient http = new(new HttpClientHandler { CookieContainer = new(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };

    public async Task<string> PageAsync(string path)
    {
        var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}: {body}");
        return body;
    }

    /// <summary>Posts a form the way the page's own form does: the antiforgery token from a fresh view of <paramref name="page"/>.</summary>
    public async Task<HttpResponseMessage> PostAsync(string page, string handlerQuery, params (string Name, string Value)[] fields) =>
        await PostWithAsync(await AntiforgeryAsync(page), page + handlerQuery, fields);

    /// <summary>The antiforgery token of a form on <paramref name="page"/>.</summary>
    public async Task<string> AntiforgeryAsync(string page)
    {
        var antiforgery = Antiforgery().Match(await PageAsync(page)).Groups[1].Value;
        antiforgery.ShouldNotBeEmpty();
        return antiforgery;
    }

    public async Task<HttpResponseMessage> PostWithAsync(string antiforgery, string pathAndQuery, params (string Name, string Value)[] fields) =>
        await http.PostAsync(pathAndQuery, new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("__RequestVerificationToken", antiforgery)]));

    /// <summary>Posts a file the way a form with <c>enctype="multipart/form-data"</c> does, with the antiforgery token of <paramref name="page"/> (or of <paramref name="tokenFrom"/>).</summary>
    public async Task<HttpResponseMessage> UploadAsync(string page, string handlerQuery, string field, string path, string? tokenFrom = null) =>
        await UploadAsync(page, handlerQuery, [(field, path)], tokenFrom: tokenFrom);

    /// <summary>Posts files and fields as one multipart form.</summary>
    public async Task<HttpResponseMessage> UploadAsync(string page, string handlerQuery, (string Field, string Path)[] files, (string Name, string Value)? field = null, string? tokenFrom = null)
    {
        using var form = new MultipartFormDataContent { { new StringContent(await AntiforgeryAsync(tokenFrom ?? page)), "__RequestVerificationToken" } };
        foreach (var (name, path) in files)
            form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(path)), name, Path.GetFileName(path));
        if (field is { } f)
            form.Add(new StringContent(f.Value), f.Name);
        return await http.PostAsync(page + handlerQuery, form);
    }

    public async Task<HttpResponseMessage> GetAsync(string path) => await http.GetAsync(path);

    public async Task<HttpResponseMessage> SignInAsync(string token) => await PostAsync("/console/sign-in", "", ("token", token));

    public async Task<ConsoleClient> SignedInAsync(string token)
    {
        (await SignInAsync(token)).StatusCode.ShouldBe(HttpStatusCode.Found);
        return this;
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
