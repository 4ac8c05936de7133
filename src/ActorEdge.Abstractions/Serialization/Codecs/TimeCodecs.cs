namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="DateTime"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.Fixed64"/>, <see cref="DateTime.ToBinary"/> (ticks and kind).
/// A local time is stored as its UTC instant and read back in the reader's local time zone, as
/// <see cref="DateTime.FromBinary"/> does.
/// </remarks>
public sealed class DateTimeCodec : IFieldCodec<DateTime>
{
    /// <summary>The instance.</summary>
    public static readonly DateTimeCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, DateTime value)
    {
        writer.WriteFieldHeader(fieldId, WireType.Fixed64);
        writer.WriteFixed64((ulong)value.ToBinary());
    }

    /// <inheritdoc />
    public DateTime Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.Fixed64);
        var binary = (long)reader.ReadFixed64();
        try
        {
            return DateTime.FromBinary(binary);
        }
        catch (ArgumentException e)
        {
            throw new SerializationException("Malformed data: a DateTime out of range.", e);
        }
    }
}

/// <summary>The codec of <see cref="DateTimeOffset"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 1 the ticks of the local clock time
/// (<see cref="DateTimeOffset.Ticks"/>, zig-zag varint); field 2 the offset in minutes (zig-zag
/// varint); <see cref="WireType.EndObject"/>. Missing fields read as 0, unknown ones are skipped.
/// </remarks>
public sealed class DateTimeOffsetCodec : IFieldCodec<DateTimeOffset>
{
    /// <summary>The instance.</summary>
    public static readonly DateTimeOffsetCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, DateTimeOffset value)
    {
        writer.WriteStartObject(fieldId);
        writer.WriteFieldHeader(1, WireType.VarInt);
        writer.WriteVarInt64(value.Ticks);
        writer.WriteFieldHeader(2, WireType.VarInt);
        writer.WriteVarInt32((int)value.Offset.TotalMinutes);
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public DateTimeOffset Read(ref Reader reader, WireType wireType)
    {
        reader.EnterObject(wireType);
        long ticks = 0;
        long minutes = 0;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case 1:
                    ticks = CodecHelpers.ReadSigned(ref reader, fieldType, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks, "DateTimeOffset tick count");
                    break;
                case 2:
                    minutes = CodecHelpers.ReadSigned(ref reader, fieldType, -14 * 60, 14 * 60, "DateTimeOffset offset");
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException e)
        {
            // The clock time minus the offset falls outside the DateTime range.
            throw new SerializationException("Malformed data: a DateTimeOffset out of range.", e);
        }
    }
}

/// <summary>The codec of <see cref="TimeSpan"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.VarInt"/>, the zig-zag varint of <see cref="TimeSpan.Ticks"/> (so it reads as an <see cref="long"/> too).</remarks>
public sealed class TimeSpanCodec : IFieldCodec<TimeSpan>
{
    /// <summary>The instance.</summary>
    public static readonly TimeSpanCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, TimeSpan value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarInt64(value.Ticks);
    }

    /// <inheritdoc />
    public TimeSpan Read(ref Reader reader, WireType wireType)
    {
        CodecHelpers.Expect(wireType, WireType.VarInt);
        return new TimeSpan(reader.ReadVarInt64());
    }
}

/// <summary>The codec of <see cref="DateOnly"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of <see cref="DateOnly.DayNumber"/>.</remarks>
public sealed class DateOnlyCodec : IFieldCodec<DateOnly>
{
    /// <summary>The instance.</summary>
    public static readonly DateOnlyCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, DateOnly value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt32((uint)value.DayNumber);
    }

    /// <inheritdoc />
    public DateOnly Read(ref Reader reader, WireType wireType) =>
        DateOnly.FromDayNumber((int)CodecHelpers.ReadUnsigned(ref reader, wireType, (ulong)DateOnly.MaxValue.DayNumber, "DateOnly"));
}

/// <summary>The codec of <see cref="TimeOnly"/>.</summary>
/// <remarks>Wire format: <see cref="WireType.VarInt"/>, the unsigned varint of <see cref="TimeOnly.Ticks"/>.</remarks>
public sealed class TimeOnlyCodec : IFieldCodec<TimeOnly>
{
    /// <summary>The instance.</summary>
    public static readonly TimeOnlyCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, TimeOnly value)
    {
        writer.WriteFieldHeader(fieldId, WireType.VarInt);
        writer.WriteVarUInt64((ulong)value.Ticks);
    }

    /// <inheritdoc />
    public TimeOnly Read(ref Reader reader, WireType wireType) =>
        new((long)CodecHelpers.ReadUnsigned(ref reader, wireType, (ulong)TimeOnly.MaxValue.Ticks, "TimeOnly"));
}
