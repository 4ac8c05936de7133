using ActorEdge.Serialization;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class TupleCodecsTests
{
    private static readonly KeyValuePairCodec<string, int> PairCodec = new(StringCodec.Instance, Int32Codec.Instance);
    private static readonly ValueTupleCodec<int, string> TwoCodec = new(Int32Codec.Instance, StringCodec.Instance);
    private static readonly ValueTupleCodec<int, string, Guid> ThreeCodec = new(Int32Codec.Instance, StringCodec.Instance, GuidCodec.Instance);

    [Fact]
    public void Write_KeyValuePair_WritesObjectOfKeyAndValue() =>
        Assert.Equal([0x04, 0x0B, 0x01, 0x61, 0x10, 0x02, 0x05], Write(PairCodec, new KeyValuePair<string, int>("a", 1)));

    [Fact]
    public void RoundTrip_KeyValuePair_ReturnsSamePair()
    {
        Assert.Equal(new KeyValuePair<string, int>("k", -9), RoundTrip(PairCodec, new KeyValuePair<string, int>("k", -9)));
        Assert.Equal(new KeyValuePair<string, int>(null!, 0), RoundTrip(PairCodec, new KeyValuePair<string, int>(null!, 0)));
    }

    [Fact]
    public void RoundTrip_ValueTuples_ReturnSameTuples()
    {
        Assert.Equal((3, "x"), RoundTrip(TwoCodec, (3, "x")));
        var guid = Guid.NewGuid();
        Assert.Equal((-1, (string)null!, guid), RoundTrip(ThreeCodec, (-1, null!, guid)));
    }

    [Fact]
    public void Read_PairAsTriple_LeavesThirdItemDefault() =>
        Assert.Equal((5, "y", Guid.Empty), Read(ThreeCodec, Write(TwoCodec, (5, "y"))));

    [Fact]
    public void Read_TripleAsPair_SkipsThirdItem() =>
        Assert.Equal((5, "y"), Read(TwoCodec, Write(ThreeCodec, (5, "y", Guid.NewGuid()))));

    [Fact]
    public void Read_TupleAsNull_ThrowsSerializationException() => ReadFails(TwoCodec, [0x06]);

    [Fact]
    public void Read_TupleWithoutEnd_ThrowsSerializationException() => ReadFails(TwoCodec, [0x04, 0x08, 0x02]);
}
