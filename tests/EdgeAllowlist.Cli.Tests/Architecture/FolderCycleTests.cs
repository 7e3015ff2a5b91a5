using EdgeAllowlist.Testing.Architecture;

namespace EdgeAllowlist.Cli.Tests.Architecture;

/// <summary>
/// The CLI's folders (Api, Commands and each Commands/&lt;Group&gt;) depend on each other in one
/// direction only, as the API's do (see <see cref="FolderCycles"/>). The root namespace builds the
/// command tree from all of them and is left out.
/// </summary>
public sealed class FolderCycleTests
{
    const string Root = "EdgeAllowlist.Cli";

    [Fact]
    public void The_cli_folders_form_no_loop()
    {
        FolderCycles.Of(typeof(EdgeAllowlistCli).Assembly, CliFolder).ShouldBeEmpty();
    }

    [Fact]
    public void The_cli_namespaces_follow_the_folders()
    {
        FolderCycles.NamespacesNotFollowingFolders(Root).ShouldBeEmpty();
    }

    [Fact]
    public void The_check_sees_the_folders_the_cli_is_made_of()
    {
        string[] namespaces = ["EdgeAllowlist.Cli.Commands.Rules", "EdgeAllowlist.Cli.Commands", "EdgeAllowlist.Cli.Api", Root];

        namespaces.Select(CliFolder).ShouldBe(["Commands/Rules", "Commands", "Api", null]);
    }

    static string? CliFolder(string ns) => FolderCycles.Folder(ns, Root, depth: 2) is { Length: > 0 } folder ? folder : null;
}
