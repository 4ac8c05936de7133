using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class DictionaryCodecsTests
{
    private static readonly DictionaryCodec<int, string> IntToString = new(Int32Codec.Instance, StringCodec.Instance);
    private static readonly DictionaryCodec<string, int> StringToInt = new(StringCodec.Instance, Int32Codec.Instance);

    [Fact]
    public void Write_OneEntry_WritesCountThenKeyAndValue() =>
        Assert.Equal([0x04, 0x00, 0x01, 0x08, 0x02, 0x13, 0x01, 0x61, 0x05], Write(IntToString, new Dictionary<int, string> { [1] = "a" }));

    [Fact]
    public void RoundTrip_AnyDictionary_ReturnsSameEntries() =>
        Prop.ForAll<Dictionary<int, string>>(value => Assert.Equal(value, RoundTrip(IntToString, value))).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_DictionaryOfLists_ReturnsSameEntries()
    {
        var codec = new DictionaryCodec<string, List<Guid>>(StringCodec.Instance, new ListCodec<Guid>(GuidCodec.Instance));
        var value = new Dictionary<string, List<Guid>> { ["a"] = [Guid.NewGuid(), Guid.NewGuid()], ["b"] = [], ["c"] = null! };
        Assert.Equal(value, RoundTrip(codec, value));
    }

    [Fact]
    public void RoundTrip_NullValues_KeepsNulls() =>
        Assert.Equal(new Dictionary<int, string> { [1] = null!, [2] = "x" }, RoundTrip(IntToString, new Dictionary<int, string> { [1] = null!, [2] = "x" }));

    [Fact]
    public void RoundTrip_NullDictionary_ReturnsNull() => Assert.Null(RoundTrip(IntToString, null!));

    [Fact]
    public void RoundTrip_DictionaryInterfaces_ReturnSameEntries()
    {
        var value = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
        Assert.Equal(value, RoundTrip(new ReadOnlyDictionaryCodec<IReadOnlyDictionary<string, int>, string, int>(StringCodec.Instance, Int32Codec.Instance), value));
        Assert.Equal(value, RoundTrip(new ReadOnlyDictionaryCodec<IDictionary<string, int>, string, int>(StringCodec.Instance, Int32Codec.Instance), new SortedDictionary<string, int>(value)));
        Assert.Null(RoundTrip(new ReadOnlyDictionaryCodec<IDictionary<string, int>, string, int>(StringCodec.Instance, Int32Codec.Instance), null!));
    }

    [Fact]
    public void Read_DictionaryOfTypeDictionaryIsNotAssignableTo_ThrowsSerializationException()
    {
        var codec = new ReadOnlyDictionaryCodec<SortedDictionary<string, int>, string, int>(StringCodec.Instance, Int32Codec.Instance);
        ReadFails(codec, Write(codec, new SortedDictionary<string, int> { ["a"] = 1 }));
    }

    [Fact]
    public void Read_UnknownFieldInsideDictionary_IsSkipped() =>
        Assert.Equal(new Dictionary<int, string> { [1] = "a" }, Read(IntToString, [0x04, 0x00, 0x01, 0x18, 0x07, 0x08, 0x02, 0x13, 0x01, 0x61, 0x05]));

    [Fact]
    public void Read_NullKey_ThrowsSerializationException() => ReadFails(StringToInt, [0x04, 0x00, 0x01, 0x0E, 0x10, 0x02, 0x05]);

    [Fact]
    public void Read_RepeatedKey_ThrowsSerializationException() => ReadFails(IntToString, [0x04, 0x00, 0x02, 0x08, 0x02, 0x16, 0x08, 0x02, 0x16, 0x05]);

    [Fact]
    public void Read_KeyWithoutValue_ThrowsSerializationException()
    {
        ReadFails(IntToString, [0x04, 0x00, 0x01, 0x08, 0x02, 0x05]);
        ReadFails(IntToString, [0x04, 0x00, 0x02, 0x08, 0x02, 0x08, 0x04, 0x16, 0x05]);
    }

    [Fact]
    public void Read_ValueWithoutKey_ThrowsSerializationException() => ReadFails(IntToString, [0x04, 0x00, 0x01, 0x16, 0x05]);

    [Fact]
    public void Read_HugeCountWithoutEntries_ThrowsSerializationException() => ReadFails(IntToString, [0x04, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0x05]);
}
