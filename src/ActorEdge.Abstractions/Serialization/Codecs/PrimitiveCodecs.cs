using System.Buffers.Binary;

namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="bool"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.VarInt"/>, 0 or 1; any other value throws <see cref="SerializationException"/>.</remarks>
public sealed class BoolCodec : IFieldCodec<bool>
{
    /// <summary>The instance.</summary>
    public static readonly BoolCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, bool value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteByte(value ? (byte)1 : (byte)0);
    }

    /// <inheritdoc />
    public bool Read(ref Reader reader, WireType wireType) => CodecHelpers.ReadUnsigned(ref reader, wireType, 1, "bool") != 0;
}

/// <summary>The codec of <see cref="char"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of the UTF-16 code unit.</remarks>
public sealed class CharCodec : IFieldCodec<char>
{
    /// <summary>The instance.</summary>
    public static readonly CharCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, char value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32(value);
    }

    /// <inheritdoc />
    public char Read(ref Reader reader, WireType wireType) => (char)CodecHelpers.ReadUnsigned(ref reader, wireType, char.MaxValue, "char");
}

/// <summary>The codec of <see cref="float"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.Fixed32"/>, the IEEE 754 bits (NaN payloads and the sign of zero are kept).</remarks>
public sealed class SingleCodec : IFieldCodec<float>
{
    /// <summary>The instance.</summary>
    public static readonly SingleCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, float value)
    {
        writer.WriteFieldHeader(fieldId, WireType.Fixed32);
        writer.WriteFixed32(BitConverter.SingleToUInt32Bits(value));
    }

    /// <inheritdoc />
    public float Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.Fixed32);
        return BitConverter.UInt32BitsToSingle(reader.ReadFixed32());
    }
}

/// <summary>The codec of <see cref="double"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.Fixed64"/>, the IEEE 754 bits (NaN payloads and the sign of
/// zero are kept). A <see cref="WireType.Fixed32"/> field written by <see cref="SingleCodec"/>
/// reads too, widened exactly, so a member may change from float to double.
/// </remarks>
public sealed class DoubleCodec : IFieldCodec<double>
{
    /// <summary>The instance.</summary>
    public static readonly DoubleCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, double value)
    {
        writer.WriteFieldHeader(fieldId, WireType.Fixed64);
        writer.WriteFixed64(BitConverter.DoubleToUInt64Bits(value));
    }

    /// <inheritdoc />
    public double Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Fixed32)
        {
            return BitConverter.UInt32BitsToSingle(reader.ReadFixed32());
        }
        CodecHelpers.Expect(wireType, WireType.Fixed64);
        return BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
    }
}

/// <summary>The codec of <see cref="decimal"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, 16 bytes: the four 32-bit words of
/// <see cref="decimal.GetBits(decimal, Span{int})"/> (low, middle, high, flags), each little-endian.
/// Flags with a scale above 28 or stray bits throw <see cref="SerializationException"/>.
/// </remarks>
public sealed class DecimalCodec : IFieldCodec<decimal>
{
    /// <summary>The instance.</summary>
    public static readonly DecimalCodec Instance = new();

    private const int SignMask = unchecked((int)0x80000000);
    private const int ScaleMask = 0x00FF0000;

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes[(i * 4)..], bits[i]);
        }
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(bytes);
    }

    /// <inheritdoc />
    public decimal Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        var bytes = CodecHelpers.ReadBytes(ref reader);
        if (bytes.Length != 16)
        {
            CodecHelpers.ThrowMalformed($"a decimal of {bytes.Length} bytes instead of 16");
        }
        var lo = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var mid = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var hi = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var flags = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var scale = (flags & ScaleMask) >> 16;
        if ((flags & ~(SignMask | ScaleMask)) != 0 || scale > 28)
        {
            CodecHelpers.ThrowMalformed("invalid decimal flags");
        }
        return new decimal(lo, mid, hi, (flags & SignMask) != 0, (byte)scale);
    }
}

/// <summary>The codec of <see cref="Guid"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.LengthPrefixed"/>, 16 bytes in the layout of
/// <see cref="Guid.TryWriteBytes(Span{byte})"/> (the first three groups little-endian).
/// </remarks>
public sealed class GuidCodec : IFieldCodec<Guid>
{
    /// <summary>The instance.</summary>
    public static readonly GuidCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        writer.WriteFieldHeader(fieldId, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(bytes);
    }

    /// <inheritdoc />
    public Guid Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.LengthPrefixed);
        var bytes = CodecHelpers.ReadBytes(ref reader);
        if (bytes.Length != 16)
        {
            CodecHelpers.ThrowMalformed($"a Guid of {bytes.Length} bytes instead of 16");
        }
        return new Guid(bytes);
    }
}
