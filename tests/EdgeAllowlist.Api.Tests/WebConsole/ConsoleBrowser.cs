using Microsoft.Playwright;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>
/// Headless Chromium from the distribution's package (<c>/usr/bin/chromium</c>, or <c>EDGE_ALLOWLIST_CHROMIUM</c>)
/// driven by Playwright; Playwright's own browser download is never used. <c>.ci/run</c> installs the package when it is missing.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Screenshots land beside the test assembly, as test artefacts.</summary>
    public static string ScreenshotFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "console-screenshots")).FullName;

    IPlaywright playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.Exists(ExecutablePath).ShouldBeTrue($"The console tests drive Chromium at {ExecutablePath}: apt-get install -y chromium (or set EDGE_ALLOWLIST_CHROMIUM).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Containers often give /dev/shm only 64 MB, which Chromium outgrows.
            Args = ["--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser profile (cookies of its own) on the service.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseAddress.ToString().TrimEnd('/'), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}
