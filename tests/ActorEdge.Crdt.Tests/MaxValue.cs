using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>A user-defined CRDT that does not implement <see cref="IRevertibleCrdt"/> (the maximum of the values raised to): maps and replicas copy it instead. Shared with ActorEdge.Persistence.Crdt.Tests.</summary>
public sealed class MaxValue : ICrdt<MaxValue>
{
    /// <summary>The value.</summary>
    public ulong Value { get; private set; }

    /// <inheritdoc />
    public static byte TypeTag => 200;

    /// <inheritdoc />
    public static MaxValue CreateEmpty() => new();

    /// <summary>Raises the value to at least <paramref name="value"/>; returns the delta.</summary>
    public MaxValue Raise(ulong value)
    {
        Value = Math.Max(Value, value);
        return new MaxValue { Value = Value };
    }

    /// <inheritdoc />
    public void Merge(MaxValue other) => Value = Math.Max(Value, other.Value);

    /// <inheritdoc />
    public MaxValue Clone() => new() { Value = Value };

    /// <inheritdoc />
    public void WriteBody(ref Writer writer)
    {
        writer.WriteFieldHeader(1, WireType.VarInt);
        writer.WriteVarUInt64(Value);
    }

    /// <inheritdoc />
    public static MaxValue ReadBody(ref Reader reader)
    {
        var value = new MaxValue();
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 1)
            {
                value.Value = reader.ReadVarUInt64();
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        return value;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
