using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// The unit both store files are made of: a 4-byte little-endian payload length, the payload, and the
/// SHA-256 of the payload. A frame that is cut short or altered does not verify, which is how a torn
/// log tail is told apart from a whole record.
/// </summary>
static class ChecksummedFrame
{
    const int LengthBytes = sizeof(int);
    const int ChecksumBytes = SHA256.HashSizeInBytes;

    public static byte[] Build(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[LengthBytes + payload.Length + ChecksumBytes];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(LengthBytes));
        SHA256.HashData(payload, frame.AsSpan(LengthBytes + payload.Length));
        return frame;
    }

    /// <summary>Reads the frame at the start of <paramref name="data"/>; false if it is incomplete or fails its checksum.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> payload, out int frameLength)
    {
        payload = default;
        frameLength = 0;
        if (data.Length < LengthBytes)
            return false;
        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (payloadLength < 0 || payloadLength > data.Length - LengthBytes - ChecksumBytes)
            return false;

        var candidate = data.Slice(LengthBytes, payloadLength);
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        SHA256.HashData(candidate, checksum);
        if (!checksum.SequenceEqual(data.Slice(LengthBytes + payloadLength, ChecksumBytes)))
            return false;

        payload = candidate;
        frameLength = LengthBytes + payloadLength + ChecksumBytes;
        return true;
    }
}
