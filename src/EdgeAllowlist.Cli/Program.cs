using EdgeAllowlist.Cli;
using EdgeAllowlist.Cli.Commands;

return await EdgeAllowlistCli.RunAsync(args, CliEnvironment.FromProcess());
