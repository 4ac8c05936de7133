using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace ActorEdge.Serialization;

/// <summary>The codec of arrays of <typeparamref name="T"/>; null is allowed.</summary>
/// <remarks>
/// Wire format (shared by every collection codec, so a member may change between an array, a
/// list, a set or a collection interface): <see cref="WireType.StartObject"/>; field 0 the element
/// count (varint); each element as field 1 in order; <see cref="WireType.EndObject"/>. Null is a
/// <see cref="WireType.Null"/> header. A reader allocates room for at most 1024 elements before it
/// has read them, skips unknown fields, and throws <see cref="SerializationException"/> when the
/// elements do not match the count.
/// </remarks>
public sealed class ArrayCodec<T> : IFieldCodec<T[]>
{
    private readonly IFieldCodec<T> _element;

    /// <summary>Creates the codec from the codec of the elements.</summary>
    public ArrayCodec(IFieldCodec<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, T[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        // A ReadOnlySpan (unlike a Span) accepts a covariant array, say a string[] typed object[].
        CodecHelpers.WriteCollection(ref writer, fieldId, new ReadOnlySpan<T>(value), _element);
    }

    /// <inheritdoc />
    public T[] Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        T[]? array = null;
        var count = 0;
        var expected = -1L;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case CodecHelpers.CountField:
                    expected = CodecHelpers.ReadCount(ref reader, fieldType, expected, count);
                    array = expected == 0 ? [] : new T[CodecHelpers.Presize(expected)];
                    break;
                case CodecHelpers.ElementField:
                    CodecHelpers.CheckRoomForElement(expected, count);
                    array ??= [];
                    if (count == array.Length)
                    {
                        Grow(ref array, expected);
                    }
                    array[count++] = _element.Read(ref reader, fieldType);
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        CodecHelpers.CheckComplete(expected, count);
        if (array is null || count == 0)
        {
            return [];
        }
        if (count != array.Length)
        {
            Array.Resize(ref array, count);
        }
        return array;
    }

    private static void Grow(ref T[] array, long expected)
    {
        // Double, but never past the announced count (which is known to exceed the length here).
        long length = Math.Max(array.Length * 2L, 4);
        if (expected >= 0)
        {
            length = Math.Min(length, expected);
        }
        Array.Resize(ref array, (int)Math.Min(length, Array.MaxLength));
    }
}

/// <summary>The codec of <see cref="List{T}"/>; null is allowed.</summary>
/// <remarks>Wire format: as <see cref="ArrayCodec{T}"/>.</remarks>
public sealed class ListCodec<T> : IFieldCodec<List<T>>
{
    private readonly IFieldCodec<T> _element;

    /// <summary>Creates the codec from the codec of the elements.</summary>
    public ListCodec(IFieldCodec<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, List<T> value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        CodecHelpers.WriteCollection(ref writer, fieldId, (ReadOnlySpan<T>)CollectionsMarshal.AsSpan(value), _element);
    }

    /// <inheritdoc />
    public List<T> Read(ref Reader reader, WireType wireType) =>
        wireType == WireType.Null ? null! : CodecHelpers.ReadList(ref reader, wireType, _element);
}

/// <summary>The codec of <see cref="HashSet{T}"/>; null is allowed.</summary>
/// <remarks>
/// Wire format: as <see cref="ArrayCodec{T}"/>. The set's comparer is not written: a set reads
/// back with the default comparer, and elements equal under it collapse into one.
/// </remarks>
public sealed class HashSetCodec<T> : IFieldCodec<HashSet<T>>
{
    private readonly IFieldCodec<T> _element;

    /// <summary>Creates the codec from the codec of the elements.</summary>
    public HashSetCodec(IFieldCodec<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, HashSet<T> value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteStartObject(fieldId);
        CodecHelpers.WriteCount(ref writer, value.Count);
        foreach (var item in value)
        {
            _element.Write(ref writer, CodecHelpers.ElementField, item);
        }
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public HashSet<T> Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        HashSet<T>? set = null;
        var count = 0;
        var expected = -1L;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case CodecHelpers.CountField:
                    expected = CodecHelpers.ReadCount(ref reader, fieldType, expected, count);
                    set = new HashSet<T>(CodecHelpers.Presize(expected));
                    break;
                case CodecHelpers.ElementField:
                    CodecHelpers.CheckRoomForElement(expected, count);
                    set ??= [];
                    set.Add(_element.Read(ref reader, fieldType));
                    count++;
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        CodecHelpers.CheckComplete(expected, count);
        return set ?? [];
    }
}

/// <summary>
/// The codec of a collection interface (<see cref="IEnumerable{T}"/>, <see cref="ICollection{T}"/>,
/// <see cref="IList{T}"/>, <see cref="IReadOnlyCollection{T}"/>, <see cref="IReadOnlyList{T}"/>)
/// or any other <typeparamref name="TCollection"/> that a <see cref="List{T}"/> is assignable to.
/// </summary>
/// <remarks>
/// Wire format: as <see cref="ArrayCodec{T}"/>. It writes any enumerable (one that is neither a
/// collection nor an array is buffered once, so the count and elements agree) and reads a
/// <see cref="List{T}"/>. Reading as a <typeparamref name="TCollection"/> that a list is not
/// assignable to throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class EnumerableCodec<TCollection, T> : IFieldCodec<TCollection>
    where TCollection : class, IEnumerable<T>
{
    private static readonly bool ListIsAssignable = typeof(TCollection).IsAssignableFrom(typeof(List<T>));

    private readonly IFieldCodec<T> _element;

    /// <summary>Creates the codec from the codec of the elements.</summary>
    public EnumerableCodec(IFieldCodec<T> element)
    {
        ArgumentNullException.ThrowIfNull(element);
        _element = element;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, TCollection value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull(fieldId);
                break;
            case T[] array:
                CodecHelpers.WriteCollection(ref writer, fieldId, new ReadOnlySpan<T>(array), _element);
                break;
            case List<T> list:
                CodecHelpers.WriteCollection(ref writer, fieldId, (ReadOnlySpan<T>)CollectionsMarshal.AsSpan(list), _element);
                break;
            case ICollection<T> collection:
                CodecHelpers.WriteCollection(ref writer, fieldId, collection, collection.Count, _element);
                break;
            case IReadOnlyCollection<T> collection:
                CodecHelpers.WriteCollection(ref writer, fieldId, collection, collection.Count, _element);
                break;
            default:
                var buffered = new List<T>(value);
                CodecHelpers.WriteCollection(ref writer, fieldId, (ReadOnlySpan<T>)CollectionsMarshal.AsSpan(buffered), _element);
                break;
        }
    }

    /// <inheritdoc />
    public TCollection Read(ref Reader reader, WireType wireType)
    {
        if (!ListIsAssignable)
        {
            ThrowNotAssignable();
        }
        return wireType == WireType.Null ? null! : (TCollection)(object)CodecHelpers.ReadList(ref reader, wireType, _element);
    }

    [DoesNotReturn]
    private static void ThrowNotAssignable() =>
        throw new SerializationException($"EnumerableCodec reads a List<{typeof(T)}>, which is not assignable to '{typeof(TCollection)}': give that type a codec of its own.");
}
