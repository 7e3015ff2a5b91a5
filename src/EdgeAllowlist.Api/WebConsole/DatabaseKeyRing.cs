using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>
/// The Data Protection key ring in the database the instance uses (table <c>data_protection_keys</c>),
/// so every instance validates the antiforgery tokens and TempData the others issued, and a restart
/// keeps them valid. Keys are stored as Data Protection writes them, unencrypted: they protect only
/// antiforgery tokens (bound to a session id the database does not hold; the cookies are SameSite=Strict
/// besides) and the console's one-line notices, never a token or a secret.
/// Data Protection calls this synchronously and rarely (at its first use, then about daily).
/// </summary>
public sealed class DatabaseKeyRing(IDatabase database, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => GetAllElementsAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => StoreElementAsync(element, friendlyName).GetAwaiter().GetResult();

    async Task<IReadOnlyCollection<XElement>> GetAllElementsAsync()
    {
        await using var connection = await database.OpenAsync();
        return await connection.QueryAsync("SELECT xml FROM data_protection_keys ORDER BY created_at, name", r => XElement.Parse(r.GetString(0)));
    }

    async Task StoreElementAsync(XElement element, string friendlyName)
    {
        await using var connection = await database.OpenAsync();
        // Names are "key-<guid>": a second store of the same key is the same key.
        await connection.ExecuteAsync("INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@n, @x, @t) ON CONFLICT (name) DO NOTHING", null, default,
            ("n", friendlyName), ("x", element.ToString(SaveOptions.DisableFormatting)), ("t", time.GetUtcNow().ToUnixTimeMilliseconds()));
    }
}
