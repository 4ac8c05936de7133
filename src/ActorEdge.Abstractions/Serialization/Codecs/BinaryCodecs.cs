namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="byte"/> arrays; null is allowed.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, the length then the bytes; null is a
/// <see cref="WireType.Null"/> header. It reads fields written by <see cref="ByteMemoryCodec"/>.
/// </remarks>
public sealed class ByteArrayCodec : IFieldCodec<byte[]>
{
    /// <summary>The instance.</summary>
    public static readonly ByteArrayCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, byte[] value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(value);
    }

    /// <inheritdoc />
    public byte[] Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        return CodecHelpers.ReadBytes(ref reader).ToArray();
    }
}

/// <summary>The codec of <see cref="ReadOnlyMemory{T}"/> of bytes.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, the length then the bytes, as
/// <see cref="ByteArrayCodec"/>. A <see cref="WireType.Null"/> field (a null array) reads as empty
/// memory. The value read owns a copy of the bytes, never a view of the input buffer.
/// </remarks>
public sealed class ByteMemoryCodec : IFieldCodec<ReadOnlyMemory<byte>>
{
    /// <summary>The instance.</summary>
    public static readonly ByteMemoryCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, ReadOnlyMemory<byte> value)
    {
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(value.Span);
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        return CodecHelpers.ReadBytes(ref reader).ToArray();
    }
}
