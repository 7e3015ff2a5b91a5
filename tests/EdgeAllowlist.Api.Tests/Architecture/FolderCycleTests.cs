using EdgeAllowlist.Testing.Architecture;

namespace EdgeAllowlist.Api.Tests.Architecture;

/// <summary>
/// The API's folders depend on each other in one direction only, so each can be read with what it
/// uses and nothing that uses it: Features/&lt;Area&gt;, Infrastructure/&lt;Folder&gt; and the other
/// top-level folders (WebConsole) form no loop (see <see cref="FolderCycles"/>). The root namespace
/// (ServiceRegistration) wires everything and is left out.
/// </summary>
public sealed class FolderCycleTests
{
    const string Root = "EdgeAllowlist.Api";

    [Fact]
    public void The_api_folders_form_no_loop()
    {
        FolderCycles.Of(typeof(ServiceRegistration).Assembly, ApiFolder).ShouldBeEmpty();
    }

    [Fact]
    public void The_api_namespaces_follow_the_folders()
    {
        FolderCycles.NamespacesNotFollowingFolders(Root).ShouldBeEmpty();
    }

    [Fact]
    public void The_check_sees_the_folders_the_api_is_made_of()
    {
        // Without these the loop check would pass by grouping nothing: a feature area, an
        // infrastructure folder and the console are each a folder of their own.
        string[] namespaces = ["EdgeAllowlist.Api.Features.Origins.Add", "EdgeAllowlist.Api.Infrastructure.Writer", "EdgeAllowlist.Api.WebConsole.Pages", Root];

        namespaces.Select(ApiFolder).ShouldBe(["Features/Origins", "Infrastructure/Writer", "WebConsole", null]);
    }

    [Fact]
    public void The_check_finds_a_loop_where_there_is_one()
    {
        // Origins' endpoints and the audit trail seen as one folder: the endpoints use the writer,
        // and the writer uses the audit trail's Actor, so that folder and the writer form a loop.
        string? Merged(string ns) => ApiFolder(ns) switch
        {
            "Features/Origins" or "Infrastructure/Audit" => "Origins+Audit",
            "Infrastructure/Writer" => "Writer",
            _ => null,
        };

        var loop = FolderCycles.Of(typeof(ServiceRegistration).Assembly, Merged).ShouldHaveSingleItem();

        loop.ShouldStartWith("2 folders in a loop, for one: Origins+Audit → Writer → Origins+Audit.");
        loop.ShouldContain("Writer → Origins+Audit: EdgeAllowlist.Api.Infrastructure.Writer.");
    }

    static string? ApiFolder(string ns) => FolderCycles.Folder(ns, Root, depth: 2) switch
    {
        "" => null,
        { } folder when folder.StartsWith("Features/", StringComparison.Ordinal) || folder.StartsWith("Infrastructure/", StringComparison.Ordinal) => folder,
        { } folder => folder.Split('/')[0],
        null => null,
    };
}
