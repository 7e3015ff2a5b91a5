using System.Text;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.EdgeFunction;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>A field of the function's configuration as DEVELOPMENT has it and as the deploy would write it.</summary>
public sealed record FieldChange<T>(T? Before, T After, bool Changed);

/// <summary>
/// What <c>function deploy</c> would do, read with DescribeFunction and GetFunction only: create or
/// update, the code diff against DEVELOPMENT, and the configuration (comment, runtime, KeyValueStore
/// association) before and after, and the code's size with the headroom left under CloudFront's
/// limit. Nothing is written.
/// </summary>
public sealed record DeployPreview(
    string Function,
    string Action,
    int CodeBytes,
    int HeadroomBytes,
    IReadOnlyList<string> CodeDiff,
    FieldChange<string> Comment,
    FieldChange<string> Runtime,
    FieldChange<IReadOnlyList<string>> KeyValueStoreAssociations,
    IReadOnlyList<string> TestFunctionCases,
    IReadOnlyList<string> Skipped)
{
    public const string Create = "create";
    public const string Update = "update";
    public const string None = "none";

    public static async Task<DeployPreview> ComputeAsync(CloudFrontClient cloudFront, string name, string comment, byte[] code, string codeName,
        string kvsArn, IReadOnlyList<EventCase> cases, CancellationToken cancellationToken)
    {
        var existing = await cloudFront.TryDescribeFunctionAsync(name, FunctionStage.Development, cancellationToken);
        var current = existing is null ? "" : Encoding.UTF8.GetString((await cloudFront.GetFunctionAsync(name, FunctionStage.Development, cancellationToken)).FunctionCode);
        var diff = LineDiff.Unified(current, Encoding.UTF8.GetString(code), $"{name} (DEVELOPMENT)", codeName);
        var config = existing?.FunctionSummary.FunctionConfig;
        IReadOnlyList<string> associations = [kvsArn];
        var preview = new DeployPreview(
            name,
            Create,
            code.Length,
            EdgeFunctionRuntime.MaxFunctionBytes - code.Length,
            diff,
            new(config?.Comment, comment, config?.Comment != comment),
            new(config?.Runtime, FunctionConfig.JavaScript2, config?.Runtime != FunctionConfig.JavaScript2),
            new(config?.KeyValueStoreArns, associations, config is null || !config.KeyValueStoreArns.SequenceEqual(associations)),
            [.. cases.Where(c => c.UsesFixtureUnchanged).Select(c => c.Name)],
            [.. cases.Where(c => !c.UsesFixtureUnchanged).Select(c => c.Name)]);
        if (existing is null)
            return preview;
        var changed = diff.Count > 0 || preview.Comment.Changed || preview.Runtime.Changed || preview.KeyValueStoreAssociations.Changed;
        return preview with { Action = changed ? Update : None };
    }

    public static void Render(IAnsiConsole console, DeployPreview preview)
    {
        console.MarkupLine(preview.Action switch
        {
            Create => $"[green]would create[/] function {Markup.Escape(preview.Function)}",
            Update => $"[yellow]would update[/] function {Markup.Escape(preview.Function)} (DEVELOPMENT)",
            _ => $"[green]no change[/] to function {Markup.Escape(preview.Function)}: DEVELOPMENT has this code and configuration",
        });
        console.MarkupLine($"code: {preview.CodeBytes} bytes, {preview.HeadroomBytes} bytes of headroom under CloudFront's {EdgeFunctionRuntime.MaxFunctionBytes}");
        foreach (var line in preview.CodeDiff)
        {
            var colour = line.StartsWith("@@", StringComparison.Ordinal) ? "cyan" : line[0] switch { '+' => "green", '-' => "red", _ => "grey" };
            console.MarkupLine($"[{colour}]{Markup.Escape(line)}[/]");
        }
        Field(console, "comment", preview.Comment.Before, preview.Comment.After, preview.Comment.Changed);
        Field(console, "runtime", preview.Runtime.Before, preview.Runtime.After, preview.Runtime.Changed);
        Field(console, "KeyValueStore association", preview.KeyValueStoreAssociations.Before is { } before ? string.Join(", ", before) : null,
            string.Join(", ", preview.KeyValueStoreAssociations.After), preview.KeyValueStoreAssociations.Changed);
        console.MarkupLine($"TestFunction would run {preview.TestFunctionCases.Count} cases ({preview.Skipped.Count} skipped: they change the store fixture); nothing was written (--dry-run).");
    }

    static void Field(IAnsiConsole console, string label, string? before, string after, bool changed) =>
        console.MarkupLine(changed
            ? $"[yellow]~[/] {label}: {Markup.Escape(before ?? "(none)")} -> {Markup.Escape(after)}"
            : $"  {label}: {Markup.Escape(after)}");
}
