using System.Numerics;
using System.Runtime.InteropServices;

namespace ActorEdge.Serialization;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of the storage providers' records, computed with the CPU's
/// CRC instruction where there is one (8 bytes per step: ~20 µs for 100 KB, where a table-driven
/// CRC-32 takes ~250 µs).
/// </summary>
public static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, MemoryMarshal.Read<ulong>(data));
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return ~crc;
    }
}
