namespace EdgeAllowlist.Store;

/// <summary>
/// Whether a folder can take a write right now. A full disk shows only when something is written,
/// so the probe writes (and flushes) a file about the size of a large store write and removes it.
/// </summary>
public static class FolderProbe
{
    const string FileName = ".write-probe";
    const int ProbeBytes = 64 * 1024;

    /// <exception cref="IOException">The folder cannot take the write (full, read-only, gone).</exception>
    public static void CheckWritable(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
            file.Write(new byte[ProbeBytes]);
            file.Flush(flushToDisk: true);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"'{directory}' is not writable: {e.Message}", e);
        }
    }
}
