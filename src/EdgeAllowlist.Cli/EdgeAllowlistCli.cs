using System.CommandLine;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Commands.Audit;
using EdgeAllowlist.Cli.Commands.Function;
using EdgeAllowlist.Cli.Commands.MediaTailor;
using EdgeAllowlist.Cli.Commands.Rules;
using EdgeAllowlist.Cli.Commands.Secrets;
using EdgeAllowlist.Cli.Commands.Store;

namespace EdgeAllowlist.Cli;

/// <summary>The <c>edge-allowlist</c> command tree; exit codes are in <see cref="ExitCodes"/>.</summary>
public static class EdgeAllowlistCli
{
    public static RootCommand Build(CliEnvironment environment)
    {
        var options = new CommonOptions(environment);
        var root = new RootCommand("Edge Allowlist: create the KeyValueStore, deploy and test the CloudFront Function, rotate partner secrets, plan and apply the rules.")
        {
            options.Output,
            options.Profile,
            options.EndpointUrl,
            StoreCommands.Build(options, environment),
            FunctionCommands.Build(options, environment),
            RotateCommand.Build(options, environment),
            MediaTailorCommands.Build(options, environment),
            AuditCommands.Build(options, environment),
            Commands.Rollout.RolloutCommands.Build(options, environment),
        };
        foreach (var command in RulesCommands.Build(options, environment))
            root.Subcommands.Add(command);
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default) =>
        Build(environment).Parse(args).InvokeAsync(new() { Output = environment.Out, Error = environment.Error }, cancellationToken);
}
