using System.Text;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// The request-level checks of UpdateKeys that need no store state: If-Match present, batch size,
/// key and value sizes, no key twice. Messages name the offending item, its size and the limit.
/// </summary>
static class UpdateBatchRules
{
    // Throws on lone surrogates instead of silently writing U+FFFD, so what is stored is what was sent.
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Validate(string? ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes)
    {
        if (string.IsNullOrEmpty(ifMatch))
            throw KvsException.Validation("If-Match is required: pass the ETag returned by DescribeKeyValueStore or by the previous write.");

        var keyCount = puts.Count + deletes.Count;
        if (keyCount == 0)
            throw KvsException.Validation("UpdateKeys needs at least one put or delete.");
        if (keyCount > KvsLimits.MaxKeysPerUpdate)
            throw KvsException.QuotaExceeded(
                $"UpdateKeys carries {keyCount} keys ({puts.Count} puts + {deletes.Count} deletes); the limit is {KvsLimits.MaxKeysPerUpdate} per request.");

        var seen = new Dictionary<string, string>(keyCount, StringComparer.Ordinal);
        long payloadBytes = 0;
        var index = 0;
        foreach (var put in puts)
        {
            var where = $"Puts[{index++}]";
            if (put is null)
                throw KvsException.Validation($"{where} is null.");
            payloadBytes += CheckKey(put.Key, where, seen);
            payloadBytes += CheckValue(put.Value, put.Key, where);
        }

        index = 0;
        foreach (var key in deletes)
            payloadBytes += CheckKey(key, $"Deletes[{index++}]", seen);

        // Unreachable with today's quotas (50 × (512 + 1,024) bytes is 75 KiB), kept so the 3 MiB
        // quota still holds if AWS raises the per-request key count.
        if (payloadBytes > KvsLimits.MaxUpdatePayloadBytes)
            throw KvsException.QuotaExceeded(
                $"UpdateKeys carries {payloadBytes} bytes of keys and values; the limit is {KvsLimits.MaxUpdatePayloadBytes} per request.");
    }

    /// <summary>A key as it may appear in an error message: quoted, and cut short (never inside a surrogate pair) if long.</summary>
    static string Describe(string key)
    {
        const int shown = 80;
        if (key.Length <= shown)
            return $"'{key}'";
        var cut = char.IsHighSurrogate(key[shown - 1]) ? shown - 1 : shown;
        return $"'{key[..cut]}…' ({key.Length} characters)";
    }

    static int CheckKey(string? key, string where, Dictionary<string, string> seen)
    {
        if (string.IsNullOrEmpty(key))
            throw KvsException.Validation($"The key at {where} is empty; keys must be 1 to {KvsLimits.MaxKeyBytes} UTF-8 bytes.");
        var bytes = Utf8ByteCount(key, $"The key at {where}");
        if (bytes > KvsLimits.MaxKeyBytes)
            throw KvsException.Validation(
                $"The key {Describe(key)} at {where} is {bytes} UTF-8 bytes; the limit is {KvsLimits.MaxKeyBytes}.");
        if (!seen.TryAdd(key, where))
            throw KvsException.Validation(
                $"The key {Describe(key)} appears twice in one UpdateKeys ({seen[key]} and {where}); each key may appear once per request.");
        return bytes;
    }

    // The value itself is never quoted: values may be sensitive (the AWS model marks them so).
    static int CheckValue(string? value, string key, string where)
    {
        if (value is null)
            throw KvsException.Validation($"The value of key {Describe(key)} at {where} is missing.");
        var bytes = Utf8ByteCount(value, $"The value of key {Describe(key)} at {where}");
        if (bytes > KvsLimits.MaxValueBytes)
            throw KvsException.Validation(
                $"The value of key {Describe(key)} at {where} is {bytes} UTF-8 bytes; the limit is {KvsLimits.MaxValueBytes}.");
        return bytes;
    }

    static int Utf8ByteCount(string text, string subject)
    {
        try
        {
            return StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw KvsException.Validation($"{subject} is not valid Unicode text (it contains an unpaired surrogate), so it has no UTF-8 form.");
        }
    }
}
