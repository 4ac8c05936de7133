using System.Net;
using ActorEdge.Serialization;
using Xunit;

namespace ActorEdge.Tests.Serialization;

public class BuiltInCodecsTests
{
    public enum Mood : short { Calm = 1, Angry = -300 }

    [Theory]
    [InlineData(typeof(int), typeof(Int32Codec))]
    [InlineData(typeof(string), typeof(StringCodec))]
    [InlineData(typeof(byte[]), typeof(ByteArrayCodec))]
    [InlineData(typeof(ReadOnlyMemory<byte>), typeof(ByteMemoryCodec))]
    [InlineData(typeof(GrainId), typeof(GrainIdCodec))]
    [InlineData(typeof(SiloAddress), typeof(SiloAddressCodec))]
    [InlineData(typeof(int[]), typeof(ArrayCodec<int>))]
    [InlineData(typeof(int?), typeof(NullableCodec<int>))]
    [InlineData(typeof(Mood), typeof(EnumCodec<Mood>))]
    [InlineData(typeof(List<string>), typeof(ListCodec<string>))]
    [InlineData(typeof(HashSet<Guid>), typeof(HashSetCodec<Guid>))]
    [InlineData(typeof(Dictionary<string, int>), typeof(DictionaryCodec<string, int>))]
    [InlineData(typeof(IList<int>), typeof(EnumerableCodec<IList<int>, int>))]
    [InlineData(typeof(IReadOnlyList<int>), typeof(EnumerableCodec<IReadOnlyList<int>, int>))]
    [InlineData(typeof(IEnumerable<int>), typeof(EnumerableCodec<IEnumerable<int>, int>))]
    [InlineData(typeof(ICollection<int>), typeof(EnumerableCodec<ICollection<int>, int>))]
    [InlineData(typeof(IReadOnlyCollection<int>), typeof(EnumerableCodec<IReadOnlyCollection<int>, int>))]
    [InlineData(typeof(IDictionary<string, int>), typeof(ReadOnlyDictionaryCodec<IDictionary<string, int>, string, int>))]
    [InlineData(typeof(IReadOnlyDictionary<string, int>), typeof(ReadOnlyDictionaryCodec<IReadOnlyDictionary<string, int>, string, int>))]
    [InlineData(typeof(KeyValuePair<string, int>), typeof(KeyValuePairCodec<string, int>))]
    [InlineData(typeof((int, string)), typeof(ValueTupleCodec<int, string>))]
    [InlineData(typeof((int, string, Guid)), typeof(ValueTupleCodec<int, string, Guid>))]
    public void TryCreate_SupportedType_ReturnsItsCodec(Type type, Type codecType)
    {
        var codec = BuiltInCodecs.TryCreate(type);
        Assert.NotNull(codec);
        Assert.Equal(codecType, codec.GetType());
    }

    [Fact]
    public void TryCreate_Primitive_ReturnsSharedInstance()
    {
        Assert.Same(Int32Codec.Instance, BuiltInCodecs.TryCreate(typeof(int)));
        Assert.Same(EnumCodec<Mood>.Instance, BuiltInCodecs.TryCreate(typeof(Mood)));
    }

    [Theory]
    [InlineData(typeof(object))]
    [InlineData(typeof(int[,]))]
    [InlineData(typeof(Queue<int>))]
    [InlineData(typeof(List<>))]
    [InlineData(typeof(Tuple<int, int>))]
    [InlineData(typeof(IPEndPoint))]
    public void TryCreate_UnsupportedType_ReturnsNull(Type type) => Assert.Null(BuiltInCodecs.TryCreate(type));

    [Fact]
    public void SerializeDeserialize_ListOfInt_ReturnsSameElements()
    {
        List<int> value = [1, -2, int.MaxValue];
        var bytes = Serializer.SerializeToArray(value);
        Assert.Equal([0x04, 0x00, 0x03, 0x08, 0x02, 0x08, 0x03, 0x08, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x05], bytes);
        Assert.Equal(value, Serializer.Deserialize<List<int>>(bytes));
    }

    [Fact]
    public void SerializeDeserialize_DictionaryOfGuidLists_ReturnsSameEntries()
    {
        var value = new Dictionary<string, List<Guid>> { ["a"] = [Guid.NewGuid(), Guid.Empty], ["b"] = [], ["c"] = null! };
        Assert.Equal(value, Serializer.Deserialize<Dictionary<string, List<Guid>>>(Serializer.SerializeToArray(value)));
    }

    [Fact]
    public void SerializeDeserialize_Enum_ReturnsSameValue()
    {
        Assert.Equal(Mood.Angry, Serializer.Deserialize<Mood>(Serializer.SerializeToArray(Mood.Angry)));
        Assert.Equal((Mood)77, Serializer.Deserialize<Mood>(Serializer.SerializeToArray((Mood)77)));
    }

    [Fact]
    public void SerializeDeserialize_NullableInt_ReturnsSameValue()
    {
        Assert.Equal([0x06], Serializer.SerializeToArray<int?>(null));
        Assert.Null(Serializer.Deserialize<int?>(Serializer.SerializeToArray<int?>(null)));
        Assert.Equal(-5, Serializer.Deserialize<int?>(Serializer.SerializeToArray<int?>(-5)));
    }

    [Fact]
    public void SerializeDeserialize_InterfacesAndTuples_ReturnSameValues()
    {
        IReadOnlyList<(string, DateOnly)> value = [("x", new DateOnly(2020, 1, 1)), (null!, DateOnly.MaxValue)];
        Assert.Equal(value, Serializer.Deserialize<IReadOnlyList<(string, DateOnly)>>(Serializer.SerializeToArray(value)));
        IReadOnlyDictionary<Mood, int[]> map = new Dictionary<Mood, int[]> { [Mood.Calm] = [1], [Mood.Angry] = [] };
        Assert.Equal(map, Serializer.Deserialize<IReadOnlyDictionary<Mood, int[]>>(Serializer.SerializeToArray(map)));
    }

    [Fact]
    public void Deserialize_Int32AsInt64_ReturnsSameValue() =>
        Assert.Equal(-123456789L, Serializer.Deserialize<long>(Serializer.SerializeToArray(-123456789)));

    [Fact]
    public void Serialize_TypeWithoutCodec_ThrowsSerializationException() =>
        Assert.Throws<SerializationException>(() => Serializer.SerializeToArray(new List<object> { 1 }));
}
