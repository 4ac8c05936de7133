using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class IntegerCodecsTests
{
    [Fact]
    public void Write_Int32OneAsField0_WritesHeaderAndZigZag() => Assert.Equal([0x00, 0x02], Write(Int32Codec.Instance, 1));

    [Fact]
    public void Write_Int32MinusOne_WritesZigZagOne() => Assert.Equal([0x00, 0x01], Write(Int32Codec.Instance, -1));

    [Fact]
    public void Write_UInt32ThreeHundredAsField1_WritesPlainVarint() => Assert.Equal([0x08, 0xAC, 0x02], Write(UInt32Codec.Instance, 300u, 1));

    [Fact]
    public void Write_Int64MinValue_WritesTenByteVarint() =>
        Assert.Equal([0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], Write(Int64Codec.Instance, long.MinValue));

    [Fact]
    public void RoundTrip_AnySignedValue_ReturnsSameValue()
    {
        Prop.ForAll<sbyte>(v => RoundTrip(SByteCodec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<short>(v => RoundTrip(Int16Codec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<int>(v => RoundTrip(Int32Codec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<long>(v => RoundTrip(Int64Codec.Instance, v) == v).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RoundTrip_AnyUnsignedValue_ReturnsSameValue()
    {
        Prop.ForAll<byte>(v => RoundTrip(ByteCodec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<ushort>(v => RoundTrip(UInt16Codec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<uint>(v => RoundTrip(UInt32Codec.Instance, v) == v).QuickCheckThrowOnFailure();
        Prop.ForAll<ulong>(v => RoundTrip(UInt64Codec.Instance, v) == v).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RoundTrip_Extremes_ReturnSameValues()
    {
        Assert.Equal(sbyte.MinValue, RoundTrip(SByteCodec.Instance, sbyte.MinValue));
        Assert.Equal(short.MaxValue, RoundTrip(Int16Codec.Instance, short.MaxValue));
        Assert.Equal(int.MinValue, RoundTrip(Int32Codec.Instance, int.MinValue));
        Assert.Equal(int.MaxValue, RoundTrip(Int32Codec.Instance, int.MaxValue));
        Assert.Equal(long.MinValue, RoundTrip(Int64Codec.Instance, long.MinValue));
        Assert.Equal(long.MaxValue, RoundTrip(Int64Codec.Instance, long.MaxValue));
        Assert.Equal(byte.MaxValue, RoundTrip(ByteCodec.Instance, byte.MaxValue));
        Assert.Equal(ushort.MaxValue, RoundTrip(UInt16Codec.Instance, ushort.MaxValue));
        Assert.Equal(uint.MaxValue, RoundTrip(UInt32Codec.Instance, uint.MaxValue));
        Assert.Equal(ulong.MaxValue, RoundTrip(UInt64Codec.Instance, ulong.MaxValue));
    }

    [Fact]
    public void Read_Int32WrittenReadAsInt64_ReturnsSameValue() =>
        Prop.ForAll<int>(v => Read(Int64Codec.Instance, Write(Int32Codec.Instance, v)) == v).QuickCheckThrowOnFailure();

    [Fact]
    public void Read_NarrowerSignedWrittenReadAsWider_ReturnsSameValue()
    {
        Assert.Equal(-100, Read(Int16Codec.Instance, Write(SByteCodec.Instance, (sbyte)-100)));
        Assert.Equal(-30000, Read(Int32Codec.Instance, Write(Int16Codec.Instance, (short)-30000)));
    }

    [Fact]
    public void Read_NarrowerUnsignedWrittenReadAsWider_ReturnsSameValue()
    {
        Assert.Equal(250, Read(UInt16Codec.Instance, Write(ByteCodec.Instance, (byte)250)));
        Assert.Equal(65000u, Read(UInt32Codec.Instance, Write(UInt16Codec.Instance, (ushort)65000)));
        Assert.Equal(uint.MaxValue, Read(UInt64Codec.Instance, Write(UInt32Codec.Instance, uint.MaxValue)));
    }

    [Fact]
    public void Read_Int64OutsideInt32Range_ThrowsSerializationException()
    {
        ReadFails(Int32Codec.Instance, Write(Int64Codec.Instance, int.MaxValue + 1L));
        ReadFails(Int32Codec.Instance, Write(Int64Codec.Instance, 1L << 33));
        ReadFails(SByteCodec.Instance, Write(Int32Codec.Instance, 128));
        ReadFails(Int16Codec.Instance, Write(Int32Codec.Instance, short.MinValue - 1));
    }

    [Fact]
    public void Read_UInt64OutsideNarrowerRange_ThrowsSerializationException()
    {
        ReadFails(ByteCodec.Instance, Write(UInt32Codec.Instance, 256u));
        ReadFails(UInt16Codec.Instance, Write(UInt32Codec.Instance, 65536u));
        ReadFails(UInt32Codec.Instance, Write(UInt64Codec.Instance, uint.MaxValue + 1UL));
    }

    [Fact]
    public void Read_WrongWireType_ThrowsSerializationException()
    {
        // Field 0, Fixed32, four bytes.
        var exception = ReadFails(Int32Codec.Instance, [0x01, 0x01, 0x00, 0x00, 0x00]);
        Assert.Contains("VarInt", exception.Message, StringComparison.Ordinal);
        ReadFails(UInt64Codec.Instance, [0x03, 0x00]);
        ReadFails(Int64Codec.Instance, [0x06]);
    }

    [Fact]
    public void Read_TruncatedVarint_ThrowsSerializationException()
    {
        ReadFails(Int32Codec.Instance, [0x00, 0x80]);
        ReadFails(UInt64Codec.Instance, [0x00, 0xFF, 0xFF]);
        ReadFails(Int64Codec.Instance, [0x00]);
    }

    [Fact]
    public void Read_VarintLongerThanTenBytes_ThrowsSerializationException() =>
        ReadFails(Int64Codec.Instance, [0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
}
