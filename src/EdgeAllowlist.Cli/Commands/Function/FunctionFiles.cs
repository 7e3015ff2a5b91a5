using System.CommandLine;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>The function file and its test cases, as <c>function deploy</c> and <c>function test</c> take them.</summary>
static class FunctionFiles
{
    public static Option<FileInfo> CodeOption() =>
        new("--code") { Description = "The function file: the deployed build (function/README.md §9), not the readable source it is minified from", DefaultValueFactory = _ => new("function/dist/allowlist.js") };

    public static Option<DirectoryInfo> EventsOption() =>
        new("--events") { Description = "Folder of test cases (function/README.md §7)", DefaultValueFactory = _ => new("function/events") };

    /// <summary>A function file refused for a reason CloudFront would refuse it, or the cases folder unreadable: the code and message to fail with.</summary>
    public sealed class InvalidInputException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }

    /// <summary>
    /// The code, checked as the local runtime checks it (CloudFront's size limit, module syntax, a
    /// top-level handler), so that a file CloudFront would refuse is refused before anything runs.
    /// </summary>
    public static async Task<(byte[] Bytes, EdgeFunctionRuntime Runtime)> LoadCodeAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
            throw new InvalidInputException("NoCode", $"{file.FullName} does not exist.");
        var bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        try
        {
            return (bytes, EdgeFunctionRuntime.FromSource(Encoding.UTF8.GetString(bytes)));
        }
        catch (InvalidDataException error)
        {
            throw new InvalidInputException("CodeTooLarge", $"{file.Name}: {error.Message}");
        }
        catch (Exception error) when (error is Jint.ScriptPreparationException or Acornima.ParseErrorException)
        {
            throw new InvalidInputException("InvalidCode", $"{file.Name}: {error.Message}");
        }
    }

    /// <summary>Every case of the folder, each with an event and an expected pass or deny.</summary>
    public static IReadOnlyList<EventCase> LoadCases(DirectoryInfo folder)
    {
        if (!folder.Exists)
            throw new InvalidInputException("NoEvents", $"{folder.FullName} does not exist.");
        IReadOnlyList<EventCase> cases;
        try
        {
            cases = EventCases.LoadAll(folder.FullName);
        }
        catch (Exception error) when (error is JsonException or InvalidDataException)
        {
            throw new InvalidInputException("InvalidEvent", error.Message);
        }
        if (cases.FirstOrDefault(c => c.Event is null || c.Expect?.Action is not ("pass" or "deny")) is { } malformed)
            throw new InvalidInputException("InvalidEvent", $"{malformed.Name}: needs an \"event\" object and expect.action \"pass\" or \"deny\".");
        if (cases.Count == 0)
            throw new InvalidInputException("NoEvents", $"{folder.FullName} has no case (*.json not starting with _).");
        return cases;
    }
}
