namespace EdgeAllowlist.Store.Tests;

/// <summary>Finds the repository root (the folder holding the solution) and the shared reference folder beside it.</summary>
static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAllowlist.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("EdgeAllowlist.slnx not found above " + AppContext.BaseDirectory);
    }
}
