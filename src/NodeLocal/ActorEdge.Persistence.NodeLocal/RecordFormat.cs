using System.Buffers.Binary;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>The header of a record file, as read from disk or from an exported record.</summary>
internal readonly record struct RecordHeader(ulong Version, bool IsTombstone, int PayloadLength, uint PayloadCrc);

/// <summary>
/// The record file format, version 1 (little-endian):
/// <code>
///  0  4  magic "AENL"
///  4  2  format version (1)
///  6  2  flags (bit 0: tombstone, a cleared record that keeps its version)
///  8  8  record version (the ETag, in decimal)
/// 16  4  payload length
/// 20  4  CRC-32C of the payload
/// 24  4  reserved (0)
/// 28  4  CRC-32C of bytes 0..27
/// 32     payload: the state as written by ActorEdge.Serialization's Serializer
/// </code>
/// A file is valid only if its length is exactly 32 + payload length and both checksums match, so
/// a truncated or flipped byte is detected, never read as a state.
/// </summary>
internal static class RecordFormat
{
    public const int HeaderSize = 32;
    public const ushort FormatVersion = 1;
    private const uint Magic = 0x4C4E4541; // "AENL" read little-endian
    private const ushort TombstoneFlag = 1;

    public static void WriteHeader(Span<byte> destination, in RecordHeader header)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], header.IsTombstone ? TombstoneFlag : (ushort)0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], header.Version);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], header.PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], header.PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses a header; returns null with the reason when the bytes are not a valid one.</summary>
    public static string? TryReadHeader(ReadOnlySpan<byte> source, long fileLength, out RecordHeader header)
    {
        header = default;
        if (source.Length < HeaderSize || fileLength < HeaderSize)
        {
            return $"it is {fileLength} bytes long, shorter than the {HeaderSize}-byte header";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            return "it does not start with the record magic \"AENL\"";
        }
        var storedHeaderCrc = BinaryPrimitives.ReadUInt32LittleEndian(source[28..]);
        if (Crc32C.Compute(source[..28]) != storedHeaderCrc)
        {
            return "the header checksum does not match";
        }
        var format = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (format != FormatVersion)
        {
            return $"its format version is {format}, this version reads {FormatVersion}";
        }
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(source[6..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(source[16..]);
        if (length < 0 || fileLength != HeaderSize + (long)length)
        {
            return $"the header announces a {length}-byte payload but the record is {fileLength} bytes long";
        }
        header = new RecordHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            (flags & TombstoneFlag) != 0,
            length,
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]));
        return null;
    }
}
