using System.Buffers;
using ActorEdge.Serialization;
using Xunit;

namespace ActorEdge.Tests.Serialization;

public class BufferAndChecksumTests
{
    [Fact]
    public void Crc32C_StandardCheckValue_Matches()
    {
        // The CRC-32C (Castagnoli) check value of "123456789" (RFC 3720, iSCSI).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(100_003)]
    public void Crc32C_AnyLength_MatchesTheBitwiseDefinition(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(BitwiseCrc32C(data), Crc32C.Compute(data));
    }

    [Fact]
    public void Crc32C_OneFlippedBit_Differs()
    {
        var data = new byte[4096];
        new Random(3).NextBytes(data);
        var before = Crc32C.Compute(data);

        data[2048] ^= 0x10;

        Assert.NotEqual(before, Crc32C.Compute(data));
    }

    [Fact]
    public void PooledBuffer_GrowsPastItsCapacity_KeepsEverythingWrittenInOrder()
    {
        var expected = new byte[300_000];
        new Random(5).NextBytes(expected);
        using var buffer = new PooledBuffer(16);

        // Written in uneven pieces, so the buffer grows several times with data behind it.
        for (var offset = 0; offset < expected.Length;)
        {
            var piece = Math.Min(expected.Length - offset, 1 + (offset % 7919));
            expected.AsSpan(offset, piece).CopyTo(buffer.GetSpan(piece));
            buffer.Advance(piece);
            offset += piece;
        }

        Assert.Equal(expected.Length, buffer.Length);
        Assert.True(buffer.WrittenSpan.SequenceEqual(expected));
        var copy = buffer.ToArray();
        Assert.Equal(expected, copy);
    }

    [Fact]
    public void PooledBuffer_Disposed_IsEmptyAndItsCopyStaysIntact()
    {
        var buffer = new PooledBuffer();
        buffer.Write("hello"u8);
        var copy = buffer.ToArray();

        buffer.Dispose();

        Assert.Equal(0, buffer.Length);
        Assert.Equal("hello"u8.ToArray(), copy);
    }

    [Fact]
    public void PooledBuffer_AdvancePastTheSpanGiven_ThrowsAndKeepsWhatWasWritten()
    {
        using var buffer = new PooledBuffer(16);
        var span = buffer.GetSpan(4);
        "abcd"u8.CopyTo(span);
        buffer.Advance(4);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(buffer.GetSpan().Length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));

        Assert.Equal("count", e.ParamName);
        Assert.Equal("abcd"u8.ToArray(), buffer.ToArray());
    }

    [Fact]
    public void SerializeToArray_LargeValue_RoundTripsExactly()
    {
        var value = new byte[100_000];
        new Random(9).NextBytes(value);

        var bytes = Serializer.SerializeToArray(value);

        Assert.Equal(value, Serializer.Deserialize<byte[]>(bytes));
    }

    // The definition, one bit at a time (reflected polynomial 0x82F63B78).
    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        return ~crc;
    }
}
