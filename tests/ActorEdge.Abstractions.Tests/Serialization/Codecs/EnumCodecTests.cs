using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class EnumCodecTests
{
    public enum Color { Red, Green, Blue }

    public enum SmallSigned : sbyte { Min = sbyte.MinValue, Max = sbyte.MaxValue }

    public enum Small : byte { Zero, Max = byte.MaxValue }

    public enum Medium : ushort { Max = ushort.MaxValue }

    public enum Wide : uint { Max = uint.MaxValue }

    public enum Huge : ulong { Max = ulong.MaxValue }

    public enum Long : long { Min = long.MinValue }

    [Fact]
    public void Write_GreenAsField0_WritesZigZagOne() => Assert.Equal([0x00, 0x02], Write(EnumCodec<Color>.Instance, Color.Green));

    [Fact]
    public void RoundTrip_EveryUnderlyingType_ReturnsSameValue()
    {
        Assert.Equal(Color.Blue, RoundTrip(EnumCodec<Color>.Instance, Color.Blue));
        Assert.Equal(SmallSigned.Min, RoundTrip(EnumCodec<SmallSigned>.Instance, SmallSigned.Min));
        Assert.Equal(SmallSigned.Max, RoundTrip(EnumCodec<SmallSigned>.Instance, SmallSigned.Max));
        Assert.Equal(Small.Max, RoundTrip(EnumCodec<Small>.Instance, Small.Max));
        Assert.Equal(Medium.Max, RoundTrip(EnumCodec<Medium>.Instance, Medium.Max));
        Assert.Equal(Wide.Max, RoundTrip(EnumCodec<Wide>.Instance, Wide.Max));
        Assert.Equal(Huge.Max, RoundTrip(EnumCodec<Huge>.Instance, Huge.Max));
        Assert.Equal(Long.Min, RoundTrip(EnumCodec<Long>.Instance, Long.Min));
    }

    [Fact]
    public void RoundTrip_UndefinedValue_ReturnsSameValue() =>
        Prop.ForAll<int>(v => RoundTrip(EnumCodec<Color>.Instance, (Color)v) == (Color)v).QuickCheckThrowOnFailure();

    [Fact]
    public void Read_UnsignedUnderlyingValue_WidensAsUnsigned()
    {
        Assert.Equal(255, Read(Int64Codec.Instance, Write(EnumCodec<Small>.Instance, Small.Max)));
        Assert.Equal(uint.MaxValue, Read(Int64Codec.Instance, Write(EnumCodec<Wide>.Instance, Wide.Max)));
    }

    [Fact]
    public void Read_ByteEnumAsIntEnum_ReturnsSameNumber() =>
        Assert.Equal((Color)255, Read(EnumCodec<Color>.Instance, Write(EnumCodec<Small>.Instance, Small.Max)));

    [Fact]
    public void Read_Int32AsEnum_ReturnsValue() => Assert.Equal(Color.Blue, Read(EnumCodec<Color>.Instance, Write(Int32Codec.Instance, 2)));

    [Fact]
    public void Read_ValueOutsideUnderlyingRange_ThrowsSerializationException()
    {
        ReadFails(EnumCodec<Small>.Instance, Write(Int32Codec.Instance, 256));
        ReadFails(EnumCodec<Small>.Instance, Write(Int32Codec.Instance, -1));
        ReadFails(EnumCodec<SmallSigned>.Instance, Write(Int32Codec.Instance, 128));
        ReadFails(EnumCodec<Color>.Instance, Write(Int64Codec.Instance, int.MaxValue + 1L));
    }

    [Fact]
    public void Read_EnumAsFixed32_ThrowsSerializationException() => ReadFails(EnumCodec<Color>.Instance, [0x01, 0, 0, 0, 0]);
}
