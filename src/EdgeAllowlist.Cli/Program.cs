using EdgeAllowlist.Cli;

return await EdgeAllowlistCli.RunAsync(args, CliEnvironment.FromProcess());
