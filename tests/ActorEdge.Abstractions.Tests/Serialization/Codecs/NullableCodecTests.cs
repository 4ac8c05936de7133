using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class NullableCodecTests
{
    private static readonly NullableCodec<int> Codec = new(Int32Codec.Instance);

    [Fact]
    public void Write_Null_WritesNullHeader() => Assert.Equal([0x0E], Write(Codec, null, 1));

    [Fact]
    public void Write_Value_WritesAsInnerCodec() => Assert.Equal(Write(Int32Codec.Instance, 42, 1), Write(Codec, 42, 1));

    [Fact]
    public void RoundTrip_AnyNullableInt_ReturnsSameValue() =>
        Prop.ForAll<int?>(v => RoundTrip(Codec, v) == v).QuickCheckThrowOnFailure();

    [Fact]
    public void Read_ValueWrittenByInnerCodec_ReturnsValue() => Assert.Equal(7, Read(Codec, Write(Int32Codec.Instance, 7)));

    [Fact]
    public void Read_NullIntoNonNullableCodec_ThrowsSerializationException() => ReadFails(Int32Codec.Instance, Write(Codec, null));

    [Fact]
    public void Constructor_NullInner_ThrowsArgumentNullException() => Assert.Throws<ArgumentNullException>(() => new NullableCodec<int>(null!));
}
