using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class BinaryCodecsTests
{
    [Fact]
    public void Write_ByteArray_WritesLengthPrefixedBytes() => Assert.Equal([0x0B, 0x03, 1, 2, 3], Write(ByteArrayCodec.Instance, [1, 2, 3], 1));

    [Fact]
    public void RoundTrip_AnyByteArray_ReturnsSameBytes() =>
        Prop.ForAll<byte[]>(b => b is null ? RoundTrip<byte[]>(ByteArrayCodec.Instance, null!) is null : RoundTrip<byte[]>(ByteArrayCodec.Instance, b).AsSpan().SequenceEqual(b)).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_NullByteArray_ReturnsNull()
    {
        Assert.Equal([0x06], Write(ByteArrayCodec.Instance, null!));
        Assert.Null(RoundTrip(ByteArrayCodec.Instance, null!));
    }

    [Fact]
    public void RoundTrip_EmptyByteArray_ReturnsEmpty() => Assert.Empty(RoundTrip(ByteArrayCodec.Instance, []));

    [Fact]
    public void RoundTrip_LargeByteArray_ReturnsSameBytes()
    {
        var value = new byte[70_000];
        new Random(7).NextBytes(value);
        Assert.Equal(value, RoundTrip(ByteArrayCodec.Instance, value));
    }

    [Fact]
    public void RoundTrip_ByteMemory_ReturnsSameBytes()
    {
        var backing = new byte[] { 9, 1, 2, 3, 9 };
        var result = RoundTrip(ByteMemoryCodec.Instance, backing.AsMemory(1, 3));
        Assert.Equal([1, 2, 3], result.ToArray());
    }

    [Fact]
    public void Read_ByteArrayAsByteMemory_ReturnsSameBytes() =>
        Assert.Equal([4, 5], Read(ByteMemoryCodec.Instance, Write(ByteArrayCodec.Instance, [4, 5])).ToArray());

    [Fact]
    public void Read_NullAsByteMemory_ReturnsEmpty() => Assert.True(Read(ByteMemoryCodec.Instance, [0x06]).IsEmpty);

    [Fact]
    public void Read_TruncatedByteArray_ThrowsSerializationException() => ReadFails(ByteArrayCodec.Instance, [0x03, 0x04, 1, 2]);

    [Fact]
    public void Read_ByteArrayAsFixed64_ThrowsSerializationException() => ReadFails(ByteArrayCodec.Instance, [0x02, 0, 0, 0, 0, 0, 0, 0, 0]);
}
