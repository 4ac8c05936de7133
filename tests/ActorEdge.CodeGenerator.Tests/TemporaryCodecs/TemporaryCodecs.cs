// TEMPORARY: a few built-in codecs with the public API of the ones being written on branch `ser`,
// so the generated code of this test assembly compiles and runs before they land in
// ActorEdge.Abstractions. Delete this file when main has src/ActorEdge.Abstractions/Serialization/Codecs/.

namespace ActorEdge.Serialization;

public sealed class BoolCodec : IFieldCodec<bool>
{
    public static readonly BoolCodec Instance = new();

    public void Write(ref Writer writer, uint fieldId, bool value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32(value ? 1u : 0u);
    }

    public bool Read(ref Reader reader, WireType wireType) => reader.ReadVarUInt32() != 0;
}

public sealed class Int32Codec : IFieldCodec<int>
{
    public static readonly Int32Codec Instance = new();

    public void Write(ref Writer writer, uint fieldId, int value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt32(value);
    }

    public int Read(ref Reader reader, WireType wireType) => reader.ReadVarInt32();
}

public sealed class Int64Codec : IFieldCodec<long>
{
    public static readonly Int64Codec Instance = new();

    public void Write(ref Writer writer, uint fieldId, long value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt64(value);
    }

    public long Read(ref Reader reader, WireType wireType) => reader.ReadVarInt64();
}

public sealed class DoubleCodec : IFieldCodec<double>
{
    public static readonly DoubleCodec Instance = new();

    public void Write(ref Writer writer, uint fieldId, double value)
    {
        writer.WriteFieldHeader(fieldId, WireType.Fixed64);
        writer.WriteFixed64((ulong)BitConverter.DoubleToInt64Bits(value));
    }

    public double Read(ref Reader reader, WireType wireType) => BitConverter.Int64BitsToDouble((long)reader.ReadFixed64());
}

public sealed class StringCodec : IFieldCodec<string>
{
    public static readonly StringCodec Instance = new();

    public void Write(ref Writer writer, uint fieldId, string value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteUtf8(value);
    }

    public string Read(ref Reader reader, WireType wireType) => wireType == WireType.Null ? null! : reader.ReadUtf8();
}

public sealed class GuidCodec : IFieldCodec<Guid>
{
    public static readonly GuidCodec Instance = new();

    public void Write(ref Writer writer, uint fieldId, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(bytes);
    }

    public Guid Read(ref Reader reader, WireType wireType) => new(reader.ReadLengthPrefixed());
}

public sealed class NullableCodec<T>(IFieldCodec<T> inner) : IFieldCodec<T?>
    where T : struct
{
    public void Write(ref Writer writer, uint fieldId, T? value)
    {
        if (value is { } v)
        {
            inner.Write(ref writer, fieldId, v);
        }
        else
        {
            writer.WriteNull(fieldId);
        }
    }

    public T? Read(ref Reader reader, WireType wireType) => wireType == WireType.Null ? null : inner.Read(ref reader, wireType);
}

public sealed class EnumCodec<TEnum> : IFieldCodec<TEnum>
    where TEnum : struct, Enum
{
    public static readonly EnumCodec<TEnum> Instance = new();

    public void Write(ref Writer writer, uint fieldId, TEnum value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt64(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public TEnum Read(ref Reader reader, WireType wireType) => (TEnum)Enum.ToObject(typeof(TEnum), reader.ReadVarInt64());
}

/// <summary>Elements as fields 1, 1, 1... of a nested object.</summary>
public abstract class TemporaryCollectionCodec<TCollection, T>(IFieldCodec<T> element) : IFieldCodec<TCollection>
    where TCollection : class, IEnumerable<T>
{
    public void Write(ref Writer writer, uint fieldId, TCollection value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteStartObject(fieldId);
        foreach (var item in value)
        {
            element.Write(ref writer, 1, item);
        }
        writer.WriteEndObject();
    }

    public TCollection Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        var items = new List<T>();
        while (reader.TryReadFieldHeader(out _, out var itemWireType))
        {
            items.Add(element.Read(ref reader, itemWireType));
        }
        return Create(items);
    }

    protected abstract TCollection Create(List<T> items);
}

public sealed class ListCodec<T>(IFieldCodec<T> element) : TemporaryCollectionCodec<List<T>, T>(element)
{
    protected override List<T> Create(List<T> items) => items;
}

public sealed class ArrayCodec<T>(IFieldCodec<T> element) : TemporaryCollectionCodec<T[], T>(element)
{
    protected override T[] Create(List<T> items) => [.. items];
}

public sealed class DictionaryCodec<TKey, TValue>(IFieldCodec<TKey> key, IFieldCodec<TValue> value) : IFieldCodec<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    public void Write(ref Writer writer, uint fieldId, Dictionary<TKey, TValue> dictionary)
    {
        if (dictionary is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteStartObject(fieldId);
        foreach (var (k, v) in dictionary)
        {
            key.Write(ref writer, 1, k);
            value.Write(ref writer, 2, v);
        }
        writer.WriteEndObject();
    }

    public Dictionary<TKey, TValue> Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        var result = new Dictionary<TKey, TValue>();
        TKey k = default!;
        while (reader.TryReadFieldHeader(out var id, out var itemWireType))
        {
            if (id == 1)
            {
                k = key.Read(ref reader, itemWireType);
            }
            else
            {
                result[k] = value.Read(ref reader, itemWireType);
            }
        }
        return result;
    }
}
