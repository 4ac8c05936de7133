namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="KeyValuePair{TKey, TValue}"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 1 the key, field 2 the value;
/// <see cref="WireType.EndObject"/>. Missing fields read as default, unknown ones are skipped.
/// </remarks>
public sealed class KeyValuePairCodec<TKey, TValue> : IFieldCodec<KeyValuePair<TKey, TValue>>
{
    // A pair and a two-item tuple share their wire format: one codec serves both.
    private readonly ValueTupleCodec<TKey, TValue> _pair;

    /// <summary>Creates the codec from the codecs of the key and the value.</summary>
    public KeyValuePairCodec(IFieldCodec<TKey> key, IFieldCodec<TValue> value)
    {
        _pair = new ValueTupleCodec<TKey, TValue>(key, value);
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, KeyValuePair<TKey, TValue> value) =>
        _pair.Write(ref writer, fieldId, (value.Key, value.Value));

    /// <inheritdoc />
    public KeyValuePair<TKey, TValue> Read(ref Reader reader, WireType wireType)
    {
        var (key, value) = _pair.Read(ref reader, wireType);
        return new KeyValuePair<TKey, TValue>(key, value);
    }
}

/// <summary>The codec of <see cref="ValueTuple{T1, T2}"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 1 <c>Item1</c>, field 2 <c>Item2</c>;
/// <see cref="WireType.EndObject"/>. Missing fields read as default, unknown ones are skipped, so
/// a pair reads as the first two items of a triple and a triple as a pair.
/// </remarks>
public sealed class ValueTupleCodec<T1, T2> : IFieldCodec<ValueTuple<T1, T2>>
{
    private readonly IFieldCodec<T1> _item1;
    private readonly IFieldCodec<T2> _item2;

    /// <summary>Creates the codec from the codecs of the items.</summary>
    public ValueTupleCodec(IFieldCodec<T1> item1, IFieldCodec<T2> item2)
    {
        ArgumentNullException.ThrowIfNull(item1);
        ArgumentNullException.ThrowIfNull(item2);
        _item1 = item1;
        _item2 = item2;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, ValueTuple<T1, T2> value)
    {
        writer.WriteStartObject(fieldId);
        _item1.Write(ref writer, 1, value.Item1);
        _item2.Write(ref writer, 2, value.Item2);
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public ValueTuple<T1, T2> Read(ref Reader reader, WireType wireType)
    {
        reader.EnterObject(wireType);
        var result = default(ValueTuple<T1, T2>);
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case 1:
                    result.Item1 = _item1.Read(ref reader, fieldType);
                    break;
                case 2:
                    result.Item2 = _item2.Read(ref reader, fieldType);
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        return result;
    }
}

/// <summary>The codec of <see cref="ValueTuple{T1, T2, T3}"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; fields 1, 2 and 3 the items in order;
/// <see cref="WireType.EndObject"/>. Missing fields read as default, unknown ones are skipped.
/// </remarks>
public sealed class ValueTupleCodec<T1, T2, T3> : IFieldCodec<ValueTuple<T1, T2, T3>>
{
    private readonly IFieldCodec<T1> _item1;
    private readonly IFieldCodec<T2> _item2;
    private readonly IFieldCodec<T3> _item3;

    /// <summary>Creates the codec from the codecs of the items.</summary>
    public ValueTupleCodec(IFieldCodec<T1> item1, IFieldCodec<T2> item2, IFieldCodec<T3> item3)
    {
        ArgumentNullException.ThrowIfNull(item1);
        ArgumentNullException.ThrowIfNull(item2);
        ArgumentNullException.ThrowIfNull(item3);
        _item1 = item1;
        _item2 = item2;
        _item3 = item3;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, ValueTuple<T1, T2, T3> value)
    {
        writer.WriteStartObject(fieldId);
        _item1.Write(ref writer, 1, value.Item1);
        _item2.Write(ref writer, 2, value.Item2);
        _item3.Write(ref writer, 3, value.Item3);
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public ValueTuple<T1, T2, T3> Read(ref Reader reader, WireType wireType)
    {
        reader.EnterObject(wireType);
        var result = default(ValueTuple<T1, T2, T3>);
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case 1:
                    result.Item1 = _item1.Read(ref reader, fieldType);
                    break;
                case 2:
                    result.Item2 = _item2.Read(ref reader, fieldType);
                    break;
                case 3:
                    result.Item3 = _item3.Read(ref reader, fieldType);
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        return result;
    }
}
