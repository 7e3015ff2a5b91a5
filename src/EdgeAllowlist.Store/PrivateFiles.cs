namespace EdgeAllowlist.Store;

/// <summary>
/// Files and folders only the service's own user may read: the store and the database hold every
/// rule, secret hash, token hash and the audit trail, so a 0644 file under a shared data folder
/// would hand them to any local user. Modes are given at creation (open(2)'s mode, so there is no
/// moment when the file is wider); the process umask can only narrow them further. Windows has no
/// such modes (ACLs are inherited from the folder), so there the options are left as they are.
/// </summary>
public static class PrivateFiles
{
    /// <summary>rw------- (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ (0700).</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A <see cref="FileStream"/> that creates its file as 0600 if it does not exist yet.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows() && access != FileAccess.Read)
            options.UnixCreateMode = FileMode;
        return new(path, options);
    }

    /// <summary>Creates <paramref name="path"/> (and missing parents) as 0700; an existing folder keeps its mode.</summary>
    public static DirectoryInfo CreateFolder(string path) =>
        OperatingSystem.IsWindows() ? Directory.CreateDirectory(path) : Directory.CreateDirectory(path, FolderMode);

    /// <summary>Creates an empty 0600 file at <paramref name="path"/> unless one exists, so a library that creates it later (SQLite) finds it private.</summary>
    public static void EnsureFile(string path)
    {
        using var _ = Open(path, System.IO.FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
    }
}
