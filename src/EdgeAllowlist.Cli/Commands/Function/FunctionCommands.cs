using System.CommandLine;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary><c>function</c>: test locally, deploy (or show what a deploy would change), attach to a distribution.</summary>
static class FunctionCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment) =>
        new("function", "The CloudFront Function that enforces the rules")
        {
            TestCommand.Build(options, environment),
            DeployCommand.Build(options, environment),
            AttachCommand.Build(options, environment),
        };
}
