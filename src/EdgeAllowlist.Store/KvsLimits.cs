using System.Text;

namespace EdgeAllowlist.Store;

/// <summary>
/// CloudFront KeyValueStore quotas (platform-facts §2). Sizes are UTF-8 bytes; "1 KB" and "5 MB"
/// are taken as binary units, and the store size is counted as key bytes + value bytes.
/// </summary>
public static class KvsLimits
{
    public const int MaxKeyBytes = 512;
    public const int MaxValueBytes = 1024;
    public const long MaxStoreBytes = 5L * 1024 * 1024;
    public const int MaxKeysPerUpdate = 50;
    public const int MaxUpdatePayloadBytes = 3 * 1024 * 1024;
    public const int DefaultListPageSize = 10;
    public const int MaxListPageSize = 50;

    public static int ByteCount(string text) => Encoding.UTF8.GetByteCount(text);

    public static long EntrySize(string key, string value) => ByteCount(key) + ByteCount(value);
}
