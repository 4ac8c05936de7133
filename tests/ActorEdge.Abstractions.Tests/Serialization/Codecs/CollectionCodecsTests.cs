using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class CollectionCodecsTests
{
    private static readonly ListCodec<int> IntList = new(Int32Codec.Instance);
    private static readonly ArrayCodec<int> IntArray = new(Int32Codec.Instance);
    private static readonly ListCodec<string> StringList = new(StringCodec.Instance);
    private static readonly ListCodec<List<string>> NestedList = new(new ListCodec<string>(StringCodec.Instance));

    [Fact]
    public void Write_ListOfOneAndTwo_WritesCountThenElements() =>
        Assert.Equal([0x04, 0x00, 0x02, 0x08, 0x02, 0x08, 0x04, 0x05], Write(IntList, [1, 2]));

    [Fact]
    public void Write_EmptyList_WritesZeroCount() => Assert.Equal([0x04, 0x00, 0x00, 0x05], Write(IntList, []));

    [Fact]
    public void Write_NullList_WritesNullHeader() => Assert.Equal([0x0E], Write(IntList, null!, 1));

    [Fact]
    public void RoundTrip_AnyIntList_ReturnsSameElements() =>
        Prop.ForAll<int[]>(items => RoundTrip(IntList, [.. items]).SequenceEqual(items)).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_AnyIntArray_ReturnsSameElements() =>
        Prop.ForAll<int[]>(items => RoundTrip(IntArray, items).AsSpan().SequenceEqual(items)).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_AnyNestedList_ReturnsSameElements() =>
        Prop.ForAll<string[][]>(items =>
        {
            List<List<string>> value = [.. Array.ConvertAll(items, inner => new List<string>(inner))];
            var result = RoundTrip(NestedList, value);
            Assert.Equal(value, result);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_AnyHashSet_ReturnsSameElements() =>
        Prop.ForAll<long[]>(items =>
        {
            var set = new HashSet<long>(items);
            var result = RoundTrip(new HashSetCodec<long>(Int64Codec.Instance), set);
            Assert.Equal(set.Count, result.Count);
            Assert.True(result.SetEquals(set));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void RoundTrip_NullsInsideList_KeepsNullsInOrder() =>
        Assert.Equal(["a", null!, "", null!], RoundTrip(StringList, ["a", null!, "", null!]));

    [Fact]
    public void RoundTrip_NullCollections_ReturnNull()
    {
        Assert.Null(RoundTrip(IntList, null!));
        Assert.Null(RoundTrip(IntArray, null!));
        Assert.Null(RoundTrip(new HashSetCodec<int>(Int32Codec.Instance), null!));
        Assert.Null(RoundTrip(new EnumerableCodec<IReadOnlyList<int>, int>(Int32Codec.Instance), null!));
    }

    [Fact]
    public void RoundTrip_NullInnerList_KeepsNull() => Assert.Equal([["x"], null!, []], RoundTrip(NestedList, [["x"], null!, []]));

    [Fact]
    public void RoundTrip_ArrayLargerThanPresizeCap_ReturnsSameElements()
    {
        var items = new int[5000];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = i * 7 - 100;
        }
        Assert.Equal(items, RoundTrip(IntArray, items));
        Assert.Equal(items, RoundTrip(IntList, [.. items]));
    }

    [Fact]
    public void Read_ListWrittenAsArray_ReturnsSameElements() => Assert.Equal([3, 4], Read(IntList, Write(IntArray, [3, 4])));

    [Fact]
    public void Read_SetWrittenAsList_CollapsesDuplicates() =>
        Assert.Equal([1, 2], Read(new HashSetCodec<int>(Int32Codec.Instance), Write(IntList, [1, 2, 1])).Order());

    [Fact]
    public void Write_CovariantArray_WritesElements()
    {
        object[] items = new[] { "a", "b" };
        var codec = new ArrayCodec<object>(new StringAsObjectCodec());
        Assert.Equal(["a", "b"], RoundTrip(codec, items));
    }

    [Fact]
    public void RoundTrip_CollectionInterfaces_ReturnListsWithSameElements()
    {
        Assert.Equal([1, 2], RoundTrip(new EnumerableCodec<IReadOnlyList<int>, int>(Int32Codec.Instance), [1, 2]));
        Assert.Equal([1, 2], RoundTrip(new EnumerableCodec<IList<int>, int>(Int32Codec.Instance), [1, 2]));
        Assert.Equal([1, 2], RoundTrip(new EnumerableCodec<ICollection<int>, int>(Int32Codec.Instance), new HashSet<int> { 1, 2 }).Order());
        Assert.Equal([1, 2], RoundTrip(new EnumerableCodec<IReadOnlyCollection<int>, int>(Int32Codec.Instance), new Queue<int>([1, 2])));
        Assert.Equal([1, 2, 3], RoundTrip(new EnumerableCodec<IEnumerable<int>, int>(Int32Codec.Instance), Lazy(3)));
    }

    [Fact]
    public void Write_LazyEnumerable_EnumeratesOnce()
    {
        var enumerations = 0;
        IEnumerable<int> Counted()
        {
            enumerations++;
            yield return 1;
        }
        Write(new EnumerableCodec<IEnumerable<int>, int>(Int32Codec.Instance), Counted());
        Assert.Equal(1, enumerations);
    }

    [Fact]
    public void Read_EnumerableOfTypeListIsNotAssignableTo_ThrowsSerializationException()
    {
        var codec = new EnumerableCodec<Queue<int>, int>(Int32Codec.Instance);
        var exception = ReadFails(codec, Write(codec, new Queue<int>([1])));
        Assert.Contains("Queue", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownFieldsInsideCollection_AreSkipped()
    {
        // Start; count 2; element 1; field 7 "hi"; field 9 { field 1 varint 5 }; element 2; field 3 fixed32; end.
        byte[] bytes = [0x04, 0x00, 0x02, 0x08, 0x02, 0x3B, 0x02, 0x68, 0x69, 0x4C, 0x08, 0x0A, 0x05, 0x08, 0x04, 0x19, 1, 2, 3, 4, 0x05];
        Assert.Equal([1, 2], Read(IntList, bytes));
        Assert.Equal([1, 2], Read(IntArray, bytes));
    }

    [Fact]
    public void Read_HugeCountWithoutElements_ThrowsSerializationException()
    {
        // Count 2^31 then the end of the object: a reader must neither allocate for it nor accept it.
        byte[] bytes = [0x04, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0x05];
        ReadFails(IntList, bytes);
        ReadFails(IntArray, bytes);
        ReadFails(new HashSetCodec<int>(Int32Codec.Instance), bytes);
    }

    [Fact]
    public void Read_HugeCountThenTruncated_ThrowsSerializationException() =>
        ReadFails(IntArray, [0x04, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x08, 0x02]);

    [Fact]
    public void Read_MoreElementsThanCount_ThrowsSerializationException() =>
        ReadFails(IntArray, [0x04, 0x00, 0x01, 0x08, 0x02, 0x08, 0x04, 0x05]);

    [Fact]
    public void Read_CountRepeated_ThrowsSerializationException() => ReadFails(IntList, [0x04, 0x00, 0x00, 0x00, 0x00, 0x05]);

    [Fact]
    public void Read_CountNotVarint_ThrowsSerializationException() => ReadFails(IntList, [0x04, 0x03, 0x00, 0x05]);

    [Fact]
    public void Read_ElementOfWrongWireType_ThrowsSerializationException() => ReadFails(IntList, [0x04, 0x00, 0x01, 0x0B, 0x00, 0x05]);

    [Fact]
    public void Read_CollectionAsVarint_ThrowsSerializationException() => ReadFails(IntList, [0x00, 0x01]);

    [Fact]
    public void Read_CollectionWithoutEnd_ThrowsSerializationException() => ReadFails(IntList, [0x04, 0x00, 0x01, 0x08, 0x02]);

    [Fact]
    public void Read_ThousandNestedObjectsInUnknownField_ThrowsSerializationException()
    {
        var bytes = new byte[1001];
        bytes[0] = 0x04;
        bytes.AsSpan(1).Fill(0x3C); // field 7, StartObject
        ReadFails(IntList, bytes);
    }

    [Fact]
    public void Read_ThousandNestedLists_ThrowsSerializationException()
    {
        var bytes = new byte[1001];
        bytes[0] = 0x04;
        bytes.AsSpan(1).Fill(0x0C); // field 1 (an element), StartObject
        ReadFails(RecursiveCodec.List, bytes);
    }

    private static IEnumerable<int> Lazy(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            yield return i;
        }
    }

    private sealed class StringAsObjectCodec : IFieldCodec<object>
    {
        public void Write(ref Writer writer, uint fieldId, object value) => StringCodec.Instance.Write(ref writer, fieldId, (string)value);

        public object Read(ref Reader reader, WireType wireType) => StringCodec.Instance.Read(ref reader, wireType);
    }

    /// <summary>A list whose elements are lists of the same kind, without bound.</summary>
    private sealed class RecursiveCodec : IFieldCodec<object>
    {
        public static readonly ListCodec<object> List = new(new RecursiveCodec());

        public void Write(ref Writer writer, uint fieldId, object value) => List.Write(ref writer, fieldId, (List<object>)value);

        public object Read(ref Reader reader, WireType wireType) => List.Read(ref reader, wireType);
    }
}
