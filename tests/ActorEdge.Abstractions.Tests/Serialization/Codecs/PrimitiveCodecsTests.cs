using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class PrimitiveCodecsTests
{
    [Fact]
    public void Write_TrueAsField2_WritesVarintOne() => Assert.Equal([0x10, 0x01], Write(BoolCodec.Instance, true, 2));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTrip_Bool_ReturnsSameValue(bool value) => Assert.Equal(value, RoundTrip(BoolCodec.Instance, value));

    [Fact]
    public void Read_BoolOfTwo_ThrowsSerializationException() => ReadFails(BoolCodec.Instance, [0x00, 0x02]);

    [Fact]
    public void RoundTrip_AnyChar_ReturnsSameValue() =>
        Prop.ForAll<char>(c => RoundTrip(CharCodec.Instance, c) == c).QuickCheckThrowOnFailure();

    [Fact]
    public void Read_CharAboveUtf16Range_ThrowsSerializationException() => ReadFails(CharCodec.Instance, Write(UInt32Codec.Instance, 0x10000u));

    [Fact]
    public void RoundTrip_AnyDouble_KeepsBits() =>
        Prop.ForAll<double>(d => BitConverter.DoubleToUInt64Bits(RoundTrip(DoubleCodec.Instance, d)) == BitConverter.DoubleToUInt64Bits(d)).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_AnySingle_KeepsBits() =>
        Prop.ForAll<float>(f => BitConverter.SingleToUInt32Bits(RoundTrip(SingleCodec.Instance, f)) == BitConverter.SingleToUInt32Bits(f)).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    public void RoundTrip_SpecialDouble_KeepsBits(double value) =>
        Assert.Equal(BitConverter.DoubleToUInt64Bits(value), BitConverter.DoubleToUInt64Bits(RoundTrip(DoubleCodec.Instance, value)));

    [Fact]
    public void RoundTrip_NegativeZeroDouble_KeepsSign() =>
        Assert.True(double.IsNegative(RoundTrip(DoubleCodec.Instance, -0.0)));

    [Fact]
    public void RoundTrip_NaNWithPayload_KeepsPayload()
    {
        var nan = BitConverter.UInt64BitsToDouble(0xFFF8_0000_DEAD_BEEF);
        Assert.Equal(0xFFF8_0000_DEAD_BEEFUL, BitConverter.DoubleToUInt64Bits(RoundTrip(DoubleCodec.Instance, nan)));
    }

    [Fact]
    public void Write_DoubleOne_WritesFixed64LittleEndian() =>
        Assert.Equal([0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F], Write(DoubleCodec.Instance, 1.0));

    [Fact]
    public void Write_NegativeZeroSingle_WritesSignBit() =>
        Assert.Equal([0x01, 0x00, 0x00, 0x00, 0x80], Write(SingleCodec.Instance, -0.0f));

    [Fact]
    public void Read_SingleAsDouble_ReturnsWidenedValue() => Assert.Equal(1.5, Read(DoubleCodec.Instance, Write(SingleCodec.Instance, 1.5f)));

    [Fact]
    public void Read_DoubleAsSingle_ThrowsSerializationException() => ReadFails(SingleCodec.Instance, Write(DoubleCodec.Instance, 1.5));

    [Fact]
    public void RoundTrip_AnyDecimal_KeepsBits() =>
        Prop.ForAll<decimal>(d => decimal.GetBits(RoundTrip(DecimalCodec.Instance, d)).AsSpan().SequenceEqual(decimal.GetBits(d))).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("1.000")]
    [InlineData("-0.0000000000000000000000000001")]
    [InlineData("0")]
    public void RoundTrip_DecimalExtremesAndScale_KeepsValueAndScale(string text)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var result = RoundTrip(DecimalCodec.Instance, value);
        Assert.Equal(value, result);
        Assert.Equal(value.Scale, result.Scale);
        Assert.Equal(text, result.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Write_DecimalOne_WritesSixteenBytes() =>
        Assert.Equal([0x03, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Write(DecimalCodec.Instance, 1m));

    [Fact]
    public void Read_DecimalWithScaleAbove28_ThrowsSerializationException() =>
        ReadFails(DecimalCodec.Instance, [0x03, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 29, 0]);

    [Fact]
    public void Read_DecimalWithStrayFlagBits_ThrowsSerializationException() =>
        ReadFails(DecimalCodec.Instance, [0x03, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0]);

    [Fact]
    public void Read_DecimalOfFifteenBytes_ThrowsSerializationException() =>
        ReadFails(DecimalCodec.Instance, [0x03, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    [Fact]
    public void RoundTrip_AnyGuid_ReturnsSameValue() =>
        Prop.ForAll<Guid>(g => RoundTrip(GuidCodec.Instance, g) == g).QuickCheckThrowOnFailure();

    [Fact]
    public void Write_Guid_WritesLengthPrefixedStandardLayout()
    {
        var guid = new Guid("00112233-4455-6677-8899-aabbccddeeff");
        Assert.Equal([0x03, 0x10, 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF], Write(GuidCodec.Instance, guid));
    }

    [Fact]
    public void Read_GuidOfFourBytes_ThrowsSerializationException() => ReadFails(GuidCodec.Instance, [0x03, 0x04, 1, 2, 3, 4]);

    [Fact]
    public void Read_GuidAsVarint_ThrowsSerializationException() => ReadFails(GuidCodec.Instance, [0x00, 0x01]);
}
