namespace EdgeAllowlist.Testing;

public static class RepositoryPaths
{
    /// <summary>The folder holding EdgeAllowlist.slnx, found above the test binaries.</summary>
    public static readonly string Root = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAllowlist.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeAllowlist.slnx not found above the test binaries.");
    }
}
