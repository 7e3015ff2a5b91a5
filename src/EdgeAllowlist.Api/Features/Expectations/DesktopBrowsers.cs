namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// Real desktop User-Agent strings, dated, for the built-in "browsers pass" expectations. Sources:
/// Chrome, Edge and Firefox (Windows) as published in github.com/tmxkn1/UpdatedUserAgents
/// <c>useragents.json</c> in August 2024 (Chrome and Edge 127, Firefox 129); Safari is macOS Safari
/// 17.6 (July 2024) in the form WebKit has frozen since 2020 (<c>Intel Mac OS X 10_15_7</c>,
/// <c>AppleWebKit/605.1.15</c>). Strings of facts, no licence attached. Refresh them when the
/// browsers' forms change (Chrome's reduced UA keeps <c>.0.0.0</c> minor versions); a newer version
/// number alone changes nothing a rule should depend on.
/// </summary>
static class DesktopBrowsers
{
    public const string AsOf = "2024-08";

    public static readonly IReadOnlyList<(string Name, string UserAgent)> All =
    [
        ("chrome", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36"),
        ("safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15"),
        ("firefox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0"),
        ("edge", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.2651.98"),
    ];
}
