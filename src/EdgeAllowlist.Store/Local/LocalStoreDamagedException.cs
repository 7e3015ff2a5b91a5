namespace EdgeAllowlist.Store.Local;

/// <summary>
/// A store file holds damage a crash cannot leave (a bad record before the last one, a bad snapshot).
/// Opening refuses rather than guess: serving a prefix of the log would silently drop acknowledged
/// writes. The message is one line naming the file and what to do, fit to show an operator as is.
/// </summary>
public sealed class LocalStoreDamagedException(string filePath, string problem)
    : Exception($"The local store file '{filePath}' is damaged: {problem}. {Remedy}")
{
    /// <summary>
    /// The exit code of a process (API, emulator) that refuses to start over a damaged store:
    /// 65, <c>EX_DATAERR</c> in sysexits.h, "the input data was incorrect in some way".
    /// </summary>
    public const int ExitCode = 65;

    /// <summary>What an operator does about it; the files are left untouched so nothing more is lost.</summary>
    public const string Remedy = "Nothing was changed; restore the store folder from a backup (docs/local-store.md, \"Damage\") and start again.";

    /// <summary>The damaged file.</summary>
    public string FilePath { get; } = filePath;
}
