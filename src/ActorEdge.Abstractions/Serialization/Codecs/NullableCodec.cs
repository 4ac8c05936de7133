namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="Nullable{T}"/>, composed from the codec of <typeparamref name="T"/>.</summary>
/// <remarks>
/// Wire format: no value is a <see cref="WireType.Null"/> header; a value is written exactly as
/// <typeparamref name="T"/>'s codec writes it, so a member may change between <c>T</c> and
/// <c>T?</c> as long as old data holds no null.
/// </remarks>
public sealed class NullableCodec<T> : IFieldCodec<T?>
    where T : struct
{
    private readonly IFieldCodec<T> _inner;

    /// <summary>Creates the codec from the codec of the underlying type.</summary>
    public NullableCodec(IFieldCodec<T> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, T? value)
    {
        if (value.HasValue)
        {
            _inner.Write(ref writer, fieldId, value.GetValueOrDefault());
        }
        else
        {
            writer.WriteNull(fieldId);
        }
    }

    /// <inheritdoc />
    public T? Read(ref Reader reader, WireType wireType) => wireType == WireType.Null ? null : _inner.Read(ref reader, wireType);
}
