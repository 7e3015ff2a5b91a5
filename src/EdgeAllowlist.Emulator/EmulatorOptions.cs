namespace EdgeAllowlist.Emulator;

/// <summary>The emulator's settings, bound from the configuration section <c>Emulator</c>.</summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>One sub-folder per store lives here; stores found in it are opened at start.</summary>
    public string DataPath { get; set; } = "data/emulator";

    /// <summary>Store ARNs to create (or reopen) at start.</summary>
    public List<string> Stores { get; set; } = [];

    /// <summary>Access key pairs whose SigV4a signatures are accepted; every other request gets 403.</summary>
    public List<EmulatorCredential> Credentials { get; set; } = [];

    public FaultSettings Faults { get; set; } = new();

    /// <summary>
    /// Serves the unsigned <c>/_emulator/*</c> endpoints (fault injection, store creation). Off by default:
    /// anyone who reaches them can turn every KVS call into an error or create stores, so only tests and
    /// the compose <c>dev</c> profile turn them on.
    /// </summary>
    public bool EnableAdminEndpoints { get; set; }
}

public sealed class EmulatorCredential
{
    public string AccessKeyId { get; set; } = "";

    public string SecretAccessKey { get; set; } = "";
}
