using System.Globalization;
using System.Runtime.CompilerServices;

namespace ActorEdge.Serialization;

/// <summary>The codec of the enum <typeparamref name="TEnum"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of the underlying value widened
/// to <see cref="long"/> (an unsigned underlying type widens as unsigned; a <see cref="ulong"/>
/// value keeps its bits). So an enum reads like an integer of its underlying type, its underlying
/// type may widen, and values not named by the enum are kept. A value that does not fit the
/// underlying type throws <see cref="SerializationException"/>. No boxing or reflection per call:
/// the underlying type is resolved once per enum.
/// </remarks>
public sealed class EnumCodec<TEnum> : IFieldCodec<TEnum>
    where TEnum : struct, Enum
{
    /// <summary>The instance.</summary>
    public static readonly EnumCodec<TEnum> Instance = new();

    private static readonly bool IsSigned = Type.GetTypeCode(Enum.GetUnderlyingType(typeof(TEnum))) is TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64;

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, TEnum value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt64(ToInt64(value));
    }

    /// <inheritdoc />
    public TEnum Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.VarInt);
        return FromInt64(reader.ReadVarInt64());
    }

    private static long ToInt64(TEnum value)
    {
        // Unsafe.SizeOf and IsSigned are constants once the JIT specializes this for TEnum.
        if (Unsafe.SizeOf<TEnum>() == 1)
        {
            return IsSigned ? Unsafe.As<TEnum, sbyte>(ref value) : Unsafe.As<TEnum, byte>(ref value);
        }
        if (Unsafe.SizeOf<TEnum>() == 2)
        {
            return IsSigned ? Unsafe.As<TEnum, short>(ref value) : Unsafe.As<TEnum, ushort>(ref value);
        }
        if (Unsafe.SizeOf<TEnum>() == 4)
        {
            return IsSigned ? Unsafe.As<TEnum, int>(ref value) : Unsafe.As<TEnum, uint>(ref value);
        }
        return Unsafe.As<TEnum, long>(ref value);
    }

    private static TEnum FromInt64(long value)
    {
        if (Unsafe.SizeOf<TEnum>() == 1)
        {
            CheckRange(value, IsSigned ? sbyte.MinValue : byte.MinValue, IsSigned ? sbyte.MaxValue : byte.MaxValue);
            var narrow = (byte)value;
            return Unsafe.As<byte, TEnum>(ref narrow);
        }
        if (Unsafe.SizeOf<TEnum>() == 2)
        {
            CheckRange(value, IsSigned ? short.MinValue : ushort.MinValue, IsSigned ? short.MaxValue : ushort.MaxValue);
            var narrow = (ushort)value;
            return Unsafe.As<ushort, TEnum>(ref narrow);
        }
        if (Unsafe.SizeOf<TEnum>() == 4)
        {
            CheckRange(value, IsSigned ? int.MinValue : uint.MinValue, IsSigned ? int.MaxValue : uint.MaxValue);
            var narrow = (uint)value;
            return Unsafe.As<uint, TEnum>(ref narrow);
        }
        return Unsafe.As<long, TEnum>(ref value);
    }

    private static void CheckRange(long value, long min, long max)
    {
        if (value < min || value > max)
        {
            CodecHelpers.ThrowOutOfRange(value.ToString(CultureInfo.InvariantCulture), typeof(TEnum).Name);
        }
    }
}
