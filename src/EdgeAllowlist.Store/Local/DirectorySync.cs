using System.Runtime.InteropServices;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// Makes a rename or a newly created file in a directory durable. On Linux and macOS a rename is only
/// on disk once the directory itself is fsynced; .NET cannot open a directory as a stream, hence libc.
/// Windows has no such call from .NET and NTFS journals the rename itself, so it is a no-op there.
/// </summary>
static class DirectorySync
{
    const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;

        var descriptor = open(directory, ReadOnly);
        if (descriptor < 0)
            throw new IOException($"Could not open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (fsync(descriptor) != 0)
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = close(descriptor);
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for the whole project; three calls do not justify it.
    [DllImport("libc", SetLastError = true)]
    static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    static extern int fsync(int descriptor);

    [DllImport("libc", SetLastError = true)]
    static extern int close(int descriptor);
#pragma warning restore SYSLIB1054
}
