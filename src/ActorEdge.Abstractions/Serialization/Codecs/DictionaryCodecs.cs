using System.Diagnostics.CodeAnalysis;

namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="Dictionary{TKey, TValue}"/>; null is allowed.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 0 the entry count (varint); for each
/// entry its key as field 1 then its value as field 2; <see cref="WireType.EndObject"/>. Null is
/// a <see cref="WireType.Null"/> header. A reader allocates room for at most 1024 entries before
/// it has read them and skips unknown fields; a null or repeated key, a key without a value or
/// entries that do not match the count throw <see cref="SerializationException"/>. The
/// dictionary's comparer is not written: it reads back with the default comparer.
/// </remarks>
public sealed class DictionaryCodec<TKey, TValue> : IFieldCodec<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    private readonly IFieldCodec<TKey> _key;
    private readonly IFieldCodec<TValue> _value;

    /// <summary>Creates the codec from the codecs of the keys and the values.</summary>
    public DictionaryCodec(IFieldCodec<TKey> key, IFieldCodec<TValue> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _key = key;
        _value = value;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, Dictionary<TKey, TValue> value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteStartObject(fieldId);
        CodecHelpers.WriteCount(ref writer, value.Count);
        foreach (var pair in value)
        {
            _key.Write(ref writer, CodecHelpers.ElementField, pair.Key);
            _value.Write(ref writer, CodecHelpers.ValueField, pair.Value);
        }
        writer.WriteEndObject();
    }

    /// <summary>Writes entries from an enumerable that reported <paramref name="count"/> of them.</summary>
    internal void WriteEntries(ref Writer writer, uint fieldId, IEnumerable<KeyValuePair<TKey, TValue>> entries, int count)
    {
        writer.WriteStartObject(fieldId);
        CodecHelpers.WriteCount(ref writer, count);
        var written = 0;
        foreach (var pair in entries)
        {
            _key.Write(ref writer, CodecHelpers.ElementField, pair.Key);
            _value.Write(ref writer, CodecHelpers.ValueField, pair.Value);
            written++;
        }
        if (written != count)
        {
            throw new SerializationException($"A dictionary reported {count} entries but enumerated {written}: it changed while it was serialized, or its Count is wrong.");
        }
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public Dictionary<TKey, TValue> Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        Dictionary<TKey, TValue>? dictionary = null;
        var count = 0;
        var expected = -1L;
        var hasKey = false;
        TKey key = default!;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case CodecHelpers.CountField:
                    expected = CodecHelpers.ReadCount(ref reader, fieldType, expected, count + (hasKey ? 1 : 0));
                    dictionary = new Dictionary<TKey, TValue>(CodecHelpers.Presize(expected));
                    break;
                case CodecHelpers.ElementField:
                    if (hasKey)
                    {
                        CodecHelpers.ThrowMalformed("a dictionary key without a value");
                    }
                    CodecHelpers.CheckRoomForElement(expected, count);
                    key = _key.Read(ref reader, fieldType);
                    if (key is null)
                    {
                        CodecHelpers.ThrowMalformed("a null dictionary key");
                    }
                    hasKey = true;
                    break;
                case CodecHelpers.ValueField:
                    if (!hasKey)
                    {
                        CodecHelpers.ThrowMalformed("a dictionary value without a key");
                    }
                    dictionary ??= [];
                    if (!dictionary.TryAdd(key, _value.Read(ref reader, fieldType)))
                    {
                        CodecHelpers.ThrowMalformed("a repeated dictionary key");
                    }
                    hasKey = false;
                    key = default!;
                    count++;
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        if (hasKey)
        {
            CodecHelpers.ThrowMalformed("a dictionary key without a value");
        }
        CodecHelpers.CheckComplete(expected, count);
        return dictionary ?? [];
    }
}

/// <summary>
/// The codec of a dictionary interface (<see cref="IDictionary{TKey, TValue}"/>,
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/>) or any other <typeparamref name="TDictionary"/>
/// that a <see cref="Dictionary{TKey, TValue}"/> is assignable to.
/// </summary>
/// <remarks>
/// Wire format: as <see cref="DictionaryCodec{TKey, TValue}"/>. It writes any enumerable of
/// pairs (one that is not a collection is buffered once, so the count and entries agree) and reads
/// a <see cref="Dictionary{TKey, TValue}"/>. Reading as a <typeparamref name="TDictionary"/> that a
/// dictionary is not assignable to throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class ReadOnlyDictionaryCodec<TDictionary, TKey, TValue> : IFieldCodec<TDictionary>
    where TDictionary : class, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private static readonly bool DictionaryIsAssignable = typeof(TDictionary).IsAssignableFrom(typeof(Dictionary<TKey, TValue>));

    private readonly DictionaryCodec<TKey, TValue> _dictionary;

    /// <summary>Creates the codec from the codecs of the keys and the values.</summary>
    public ReadOnlyDictionaryCodec(IFieldCodec<TKey> key, IFieldCodec<TValue> value) => _dictionary = new DictionaryCodec<TKey, TValue>(key, value);

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, TDictionary value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull(fieldId);
                break;
            case Dictionary<TKey, TValue> dictionary:
                _dictionary.Write(ref writer, fieldId, dictionary);
                break;
            case ICollection<KeyValuePair<TKey, TValue>> collection:
                _dictionary.WriteEntries(ref writer, fieldId, collection, collection.Count);
                break;
            case IReadOnlyCollection<KeyValuePair<TKey, TValue>> collection:
                _dictionary.WriteEntries(ref writer, fieldId, collection, collection.Count);
                break;
            default:
                var buffered = new List<KeyValuePair<TKey, TValue>>(value);
                _dictionary.WriteEntries(ref writer, fieldId, buffered, buffered.Count);
                break;
        }
    }

    /// <inheritdoc />
    public TDictionary Read(ref Reader reader, WireType wireType)
    {
        if (!DictionaryIsAssignable)
        {
            ThrowNotAssignable();
        }
        return wireType == WireType.Null ? null! : (TDictionary)(object)_dictionary.Read(ref reader, wireType);
    }

    [DoesNotReturn]
    private static void ThrowNotAssignable() =>
        throw new SerializationException($"ReadOnlyDictionaryCodec reads a Dictionary<{typeof(TKey)}, {typeof(TValue)}>, which is not assignable to '{typeof(TDictionary)}': give that type a codec of its own.");
}
