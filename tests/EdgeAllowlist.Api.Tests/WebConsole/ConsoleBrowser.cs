using Microsoft.Playwright;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>
/// Headless Chromium from the distribution's package (<c>/usr/bin/chromium</c>, or <c>EDGE_ALLOWLIST_CHROMIUM</c>)
/// driven by Playwright; Playwright's own browser download is never used. <c>.ci/run</c> installs the package when it is missing.
/// One browser for the whole test run, launched by the first class that asks for it and closed when the test host
/// exits (killed with it by <see cref="TestProcesses"/>'s watchdog if the host is killed): every test gets a fresh
/// context (its own profile and cookies), so sharing the process shares no state between tests.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    static readonly Lazy<Task<(IPlaywright Playwright, IBrowser Browser)>> Shared = new(LaunchAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ExecutablePath => Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Screenshots land beside the test assembly, as test artefacts.</summary>
    public static string ScreenshotFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "console-screenshots")).FullName;

    readonly List<IBrowserContext> contexts = [];

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync() => Browser = (await Shared.Value).Browser;

    static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        File.Exists(ExecutablePath).ShouldBeTrue($"The console tests drive Chromium at {ExecutablePath}: apt-get install -y chromium (or set EDGE_ALLOWLIST_CHROMIUM).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Containers often give /dev/shm only 64 MB, which Chromium outgrows.
            Args = ["--disable-dev-shm-usage"],
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            browser.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
            playwright.Dispose();
        };
        return (playwright, browser);
    }

    /// <summary>A fresh browser profile (cookies of its own) on the service.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseAddress.ToString().TrimEnd('/'), ViewportSize = new() { Width = 1280, Height = 900 } });
        lock (contexts)
            contexts.Add(context);
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Closes this class's contexts; the browser stays for the next class, and the test host's exit closes it.</summary>
    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
            await context.CloseAsync();
    }
}
