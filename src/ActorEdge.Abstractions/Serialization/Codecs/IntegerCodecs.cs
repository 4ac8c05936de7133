namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="sbyte"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of the value. Every signed
/// integer codec shares it, so a value written as a narrower signed type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class SByteCodec : IFieldCodec<sbyte>
{
    /// <summary>The instance.</summary>
    public static readonly SByteCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, sbyte value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt32(value);
    }

    /// <inheritdoc />
    public sbyte Read(ref Reader reader, WireType wireType)
    {
        return (sbyte)CodecHelpers.ReadSigned(ref reader, wireType, sbyte.MinValue, sbyte.MaxValue, "sbyte");
    }
}

/// <summary>The codec of <see cref="short"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of the value. Every signed
/// integer codec shares it, so a value written as a narrower signed type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class Int16Codec : IFieldCodec<short>
{
    /// <summary>The instance.</summary>
    public static readonly Int16Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, short value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt32(value);
    }

    /// <inheritdoc />
    public short Read(ref Reader reader, WireType wireType)
    {
        return (short)CodecHelpers.ReadSigned(ref reader, wireType, short.MinValue, short.MaxValue, "short");
    }
}

/// <summary>The codec of <see cref="int"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of the value. Every signed
/// integer codec shares it, so a value written as a narrower signed type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class Int32Codec : IFieldCodec<int>
{
    /// <summary>The instance.</summary>
    public static readonly Int32Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, int value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt32(value);
    }

    /// <inheritdoc />
    public int Read(ref Reader reader, WireType wireType)
    {
        return (int)CodecHelpers.ReadSigned(ref reader, wireType, int.MinValue, int.MaxValue, "int");
    }
}

/// <summary>The codec of <see cref="long"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of the value. Every signed
/// integer codec shares it, so a value written as a narrower signed type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class Int64Codec : IFieldCodec<long>
{
    /// <summary>The instance.</summary>
    public static readonly Int64Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, long value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt64(value);
    }

    /// <inheritdoc />
    public long Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.VarInt);
        return reader.ReadVarInt64();
    }
}

/// <summary>The codec of <see cref="byte"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of the value. Every unsigned
/// integer codec shares it, so a value written as a narrower unsigned type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class ByteCodec : IFieldCodec<byte>
{
    /// <summary>The instance.</summary>
    public static readonly ByteCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, byte value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32(value);
    }

    /// <inheritdoc />
    public byte Read(ref Reader reader, WireType wireType)
    {
        return (byte)CodecHelpers.ReadUnsigned(ref reader, wireType, byte.MaxValue, "byte");
    }
}

/// <summary>The codec of <see cref="ushort"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of the value. Every unsigned
/// integer codec shares it, so a value written as a narrower unsigned type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class UInt16Codec : IFieldCodec<ushort>
{
    /// <summary>The instance.</summary>
    public static readonly UInt16Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, ushort value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32(value);
    }

    /// <inheritdoc />
    public ushort Read(ref Reader reader, WireType wireType)
    {
        return (ushort)CodecHelpers.ReadUnsigned(ref reader, wireType, ushort.MaxValue, "ushort");
    }
}

/// <summary>The codec of <see cref="uint"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of the value. Every unsigned
/// integer codec shares it, so a value written as a narrower unsigned type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class UInt32Codec : IFieldCodec<uint>
{
    /// <summary>The instance.</summary>
    public static readonly UInt32Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, uint value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32(value);
    }

    /// <inheritdoc />
    public uint Read(ref Reader reader, WireType wireType)
    {
        return (uint)CodecHelpers.ReadUnsigned(ref reader, wireType, uint.MaxValue, "uint");
    }
}

/// <summary>The codec of <see cref="ulong"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of the value. Every unsigned
/// integer codec shares it, so a value written as a narrower unsigned type reads as a wider one;
/// a value that does not fit the type it is read as throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class UInt64Codec : IFieldCodec<ulong>
{
    /// <summary>The instance.</summary>
    public static readonly UInt64Codec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, ulong value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt64(value);
    }

    /// <inheritdoc />
    public ulong Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.VarInt);
        return reader.ReadVarUInt64();
    }
}
