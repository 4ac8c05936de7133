using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class TimeCodecsTests
{
    [Theory]
    [InlineData(DateTimeKind.Utc)]
    [InlineData(DateTimeKind.Unspecified)]
    public void RoundTrip_DateTime_KeepsTicksAndKind(DateTimeKind kind)
    {
        var value = new DateTime(2024, 2, 29, 13, 14, 15, kind).AddTicks(1234567);
        var result = RoundTrip(DateTimeCodec.Instance, value);
        Assert.Equal(value.Ticks, result.Ticks);
        Assert.Equal(kind, result.Kind);
    }

    [Fact]
    public void RoundTrip_LocalDateTime_KeepsInstantAndKind()
    {
        var value = new DateTime(2024, 6, 1, 8, 0, 0, DateTimeKind.Local);
        var result = RoundTrip(DateTimeCodec.Instance, value);
        Assert.Equal(DateTimeKind.Local, result.Kind);
        Assert.Equal(value.ToUniversalTime(), result.ToUniversalTime());
    }

    [Fact]
    public void RoundTrip_DateTimeExtremes_ReturnSameValues()
    {
        Assert.Equal(DateTime.MinValue, RoundTrip(DateTimeCodec.Instance, DateTime.MinValue));
        Assert.Equal(DateTime.MaxValue, RoundTrip(DateTimeCodec.Instance, DateTime.MaxValue));
    }

    [Fact]
    public void Write_UtcDateTime_WritesFixed64OfToBinary()
    {
        var value = new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1);
        Assert.Equal([0x02, 0x01, 0, 0, 0, 0, 0, 0, 0x40], Write(DateTimeCodec.Instance, value));
    }

    [Fact]
    public void Read_DateTimeTicksOutOfRange_ThrowsSerializationException() =>
        ReadFails(DateTimeCodec.Instance, [0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F]);

    [Fact]
    public void RoundTrip_DateTimeOffset_KeepsClockTimeAndOffset()
    {
        var value = new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.FromMinutes(-330)).AddTicks(42);
        var result = RoundTrip(DateTimeOffsetCodec.Instance, value);
        Assert.Equal(value.Ticks, result.Ticks);
        Assert.Equal(value.Offset, result.Offset);
    }

    [Fact]
    public void RoundTrip_DateTimeOffsetExtremes_ReturnSameValues()
    {
        Assert.Equal(DateTimeOffset.MinValue, RoundTrip(DateTimeOffsetCodec.Instance, DateTimeOffset.MinValue));
        Assert.Equal(DateTimeOffset.MaxValue, RoundTrip(DateTimeOffsetCodec.Instance, DateTimeOffset.MaxValue));
        var east = new DateTimeOffset(DateTime.MaxValue.Ticks, TimeSpan.FromHours(14));
        Assert.Equal(TimeSpan.FromHours(14), RoundTrip(DateTimeOffsetCodec.Instance, east).Offset);
    }

    [Fact]
    public void Write_DateTimeOffset_WritesObjectOfTicksAndMinutes()
    {
        var value = new DateTimeOffset(1, TimeSpan.FromMinutes(-1));
        // Start field 0; field 1 varint zig-zag(1); field 2 varint zig-zag(-1); end.
        Assert.Equal([0x04, 0x08, 0x02, 0x10, 0x01, 0x05], Write(DateTimeOffsetCodec.Instance, value).AsSpan()[..6].ToArray());
    }

    [Fact]
    public void Read_DateTimeOffsetWithOffsetOver14Hours_ThrowsSerializationException() =>
        ReadFails(DateTimeOffsetCodec.Instance, [0x04, 0x10, 0xE0, 0x0D, 0x05]); // zig-zag(881 minutes)

    [Fact]
    public void Read_DateTimeOffsetWhoseUtcTimeUnderflows_ThrowsSerializationException() =>
        ReadFails(DateTimeOffsetCodec.Instance, [0x04, 0x08, 0x00, 0x10, 0x02, 0x05]); // ticks 0, offset +1 minute

    [Fact]
    public void Read_DateTimeOffsetWithUnknownField_SkipsIt()
    {
        var value = Read(DateTimeOffsetCodec.Instance, [0x04, 0x1B, 0x02, 0x68, 0x69, 0x08, 0x02, 0x05]);
        Assert.Equal(new DateTimeOffset(1, TimeSpan.Zero), value);
    }

    [Fact]
    public void RoundTrip_AnyTimeSpan_ReturnsSameValue() =>
        Prop.ForAll<long>(ticks => RoundTrip(TimeSpanCodec.Instance, new TimeSpan(ticks)).Ticks == ticks).QuickCheckThrowOnFailure();

    [Fact]
    public void Read_TimeSpanAsInt64_ReturnsTicks() => Assert.Equal(-5, Read(Int64Codec.Instance, Write(TimeSpanCodec.Instance, new TimeSpan(-5))));

    [Fact]
    public void RoundTrip_DateOnlyExtremes_ReturnSameValues()
    {
        Assert.Equal(DateOnly.MinValue, RoundTrip(DateOnlyCodec.Instance, DateOnly.MinValue));
        Assert.Equal(DateOnly.MaxValue, RoundTrip(DateOnlyCodec.Instance, DateOnly.MaxValue));
        Assert.Equal(new DateOnly(2024, 2, 29), RoundTrip(DateOnlyCodec.Instance, new DateOnly(2024, 2, 29)));
    }

    [Fact]
    public void Read_DateOnlyPastMaxValue_ThrowsSerializationException() =>
        ReadFails(DateOnlyCodec.Instance, Write(UInt32Codec.Instance, (uint)DateOnly.MaxValue.DayNumber + 1));

    [Fact]
    public void RoundTrip_TimeOnlyExtremes_ReturnSameValues()
    {
        Assert.Equal(TimeOnly.MinValue, RoundTrip(TimeOnlyCodec.Instance, TimeOnly.MinValue));
        Assert.Equal(TimeOnly.MaxValue, RoundTrip(TimeOnlyCodec.Instance, TimeOnly.MaxValue));
    }

    [Fact]
    public void Read_TimeOnlyOfOneDay_ThrowsSerializationException() =>
        ReadFails(TimeOnlyCodec.Instance, Write(UInt64Codec.Instance, (ulong)TimeSpan.TicksPerDay));
}
