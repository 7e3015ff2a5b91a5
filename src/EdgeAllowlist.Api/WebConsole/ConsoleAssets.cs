using System.Reflection;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>The console's stylesheet and script, embedded in the assembly: served by the service itself, offline, whatever the content root.</summary>
public static class ConsoleAssets
{
    static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["console.css"] = "text/css; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder endpoints)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = Types.ToDictionary(t => t.Key, t =>
        {
            using var stream = assembly.GetManifestResourceStream($"EdgeAllowlist.Api.WebConsole.Assets.{t.Key}")
                ?? throw new InvalidOperationException($"The console asset {t.Key} is not embedded.");
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        });
        endpoints.MapGet("/console/assets/{name}", (string name) =>
            files.TryGetValue(name, out var bytes) ? Results.Bytes(bytes, Types[name]) : Results.NotFound()).ExcludeFromDescription();
        return endpoints;
    }
}
