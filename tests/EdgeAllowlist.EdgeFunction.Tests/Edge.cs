using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>The deployed function file, loaded once, plus helpers to build requests and rules.</summary>
static class Edge
{
    /// <summary>Fixed "now" for every run: 2026-06-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_780_272_000);

    /// <summary>The deployed build, function/dist/allowlist.js.</summary>
    public static readonly EdgeFunctionRuntime Function = EdgeFunctionRuntime.Load();

    /// <summary>The readable source it is built from, function/allowlist.js.</summary>
    public static readonly EdgeFunctionRuntime Source = EdgeFunctionRuntime.LoadSource();

    public const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

    public static EdgeOutcome Run(IKeyValueStore store, string uri, params (string Name, string Value)[] headers) =>
        Function.Run(Request(uri, headers), store, Now);

    public static JsonObject Request(string uri, params (string Name, string Value)[] headers) =>
        EdgeEvent.ViewerRequest(uri, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));

    public static string Cfg(string extra = "") =>
        "{\"v\":2,\"mode\":\"enforce\",\"noOrigin\":\"ua\",\"public\":[\"/healthz\"],\"marker\":\"_p\",\"ua\":1,\"wild\":2,\"reason\":true" + extra + "}";

    /// <summary>A secret in the contract's format, 256 random bits.</summary>
    public static string NewSecret() =>
        "ealp_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string SecretKey(string secret) => "x:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static KeyValueItem Secret(string secret, string scope = "manifests", long exp = 0) =>
        new(SecretKey(secret), $"{{\"p\":\"mediatailor\",\"id\":\"sec_test\",\"scope\":\"{scope}\",\"exp\":{exp}}}");

    public static long Unix(DateTimeOffset at) => at.ToUnixTimeSeconds();
}
