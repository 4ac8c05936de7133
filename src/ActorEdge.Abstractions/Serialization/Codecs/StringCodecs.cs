namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="string"/>; null is allowed.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, the UTF-8 byte count then the UTF-8
/// bytes; null is a <see cref="WireType.Null"/> header. A lone surrogate in the string is
/// written as U+FFFD (UTF-8 cannot carry it); invalid UTF-8 on read throws
/// <see cref="SerializationException"/>.
/// </remarks>
public sealed class StringCodec : IFieldCodec<string>
{
    /// <summary>The instance.</summary>
    public static readonly StringCodec Instance = new();

    /// <inheritdoc />
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

    /// <inheritdoc />
    public string Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        return CodecHelpers.ReadString(ref reader);
    }
}

/// <summary>The codec of <see cref="Uri"/>; null is allowed.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, the UTF-8 of <see cref="Uri.OriginalString"/>
/// (so relative URIs stay relative); null is a <see cref="WireType.Null"/> header. A string that
/// is not a URI throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class UriCodec : IFieldCodec<Uri>
{
    /// <summary>The instance.</summary>
    public static readonly UriCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, Uri value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteUtf8(value.OriginalString);
    }

    /// <inheritdoc />
    public Uri Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        var text = CodecHelpers.ReadString(ref reader);
        if (!Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var uri))
        {
            CodecHelpers.ThrowMalformed("a string that is not a URI in a Uri field");
        }
        return uri;
    }
}
