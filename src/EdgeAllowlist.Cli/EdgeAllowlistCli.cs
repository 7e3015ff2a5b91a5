using System.CommandLine;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Commands.Audit;
using EdgeAllowlist.Cli.Commands.Function;
using EdgeAllowlist.Cli.Commands.MediaTailor;
using EdgeAllowlist.Cli.Commands.Origins;
using EdgeAllowlist.Cli.Commands.Partners;
using EdgeAllowlist.Cli.Commands.Rules;
using EdgeAllowlist.Cli.Commands.Secrets;
using EdgeAllowlist.Cli.Commands.Settings;
using EdgeAllowlist.Cli.Commands.State;
using EdgeAllowlist.Cli.Commands.Store;
using EdgeAllowlist.Cli.Commands.Tokens;
using EdgeAllowlist.Cli.Commands.UserAgents;

namespace EdgeAllowlist.Cli;

/// <summary>The <c>edge-allowlist</c> command tree; exit codes are in <see cref="ExitCodes"/>.</summary>
public static class EdgeAllowlistCli
{
    public static RootCommand Build(CliEnvironment environment)
    {
        var options = new CommonOptions(environment);
        var root = new RootCommand("Edge Allowlist: the rules (origins, User-Agent rules, partners, secrets, tokens, settings) through the admin API, rules as code, and the KeyValueStore, CloudFront Function and MediaTailor on AWS.")
        {
            options.Output,
            options.Profile,
            options.EndpointUrl,
            StoreCommands.Build(options, environment),
            FunctionCommands.Build(options, environment),
            OriginsCommands.Build(options, environment),
            UserAgentsCommands.Build(options, environment),
            PartnersCommands.Build(options, environment),
            SecretsCommands.Build(options, environment),
            TokensCommands.Build(options, environment),
            SettingsCommands.Build(options, environment),
            MediaTailorCommands.Build(options, environment),
            AuditCommands.Build(options, environment),
            Commands.Rollout.RolloutCommands.Build(options, environment),
        };
        foreach (var command in RulesCommands.Build(options, environment).Concat(StateCommands.Build(options, environment)))
            root.Subcommands.Add(command);
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var parse = Build(environment).Parse(args);
        // Under -o json a script reads stderr as JSON: a usage error must be that too, not help text.
        if (parse.Errors.Count > 0 && RequestedFormat(args, environment) == OutputFormat.Json)
        {
            environment.Error.WriteLine(CommandOutput.ErrorJson(ExitCodes.InvalidInput, "InvalidCommandLine", string.Join(" ", parse.Errors.Select(e => e.Message)),
                "run with --help for the commands and options"));
            return Task.FromResult(ExitCodes.InvalidInput);
        }
        return parse.InvokeAsync(new() { Output = environment.Out, Error = environment.Error }, cancellationToken);
    }

    /// <summary>The format asked for, read from the raw arguments because a command line with errors has no reliable parse.</summary>
    static OutputFormat RequestedFormat(string[] args, CliEnvironment environment)
    {
        string? asked = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-o" or "--output" && i + 1 < args.Length)
                asked = args[i + 1];
            else if (args[i].StartsWith("--output=", StringComparison.Ordinal) || args[i].StartsWith("-o=", StringComparison.Ordinal))
                asked = args[i][(args[i].IndexOf('=') + 1)..];
        }
        return CommonOptions.TryParseFormat(asked ?? environment.DefaultOutput, out var format) ? format : OutputFormat.Text;
    }
}
