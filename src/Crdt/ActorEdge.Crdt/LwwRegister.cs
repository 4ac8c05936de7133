using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A last-writer-wins register: the assignment with the greatest hybrid-logical-clock timestamp
/// wins; equal timestamps are ordered by replica id (ordinal), then by the encoded value, so the
/// join is deterministic everywhere. An assignment may clear the value (a tombstone that still
/// carries its timestamp, so an older write cannot resurrect it).
/// </summary>
/// <typeparam name="T">The value type; it needs a codec (built-in or generated).</typeparam>
public sealed class LwwRegister<T> : ICrdt<LwwRegister<T>>, IRevertibleCrdt, IWholeStateDelta<LwwRegister<T>>
{
    // While changes are tracked: the assignment before them (a register's whole state is four fields).
    private (HlcTimestamp Timestamp, string Replica, bool HasValue, T? Value)? _saved;

    /// <inheritdoc />
    public static byte TypeTag => 3;

    /// <inheritdoc />
    public static LwwRegister<T> CreateEmpty() => new();

    /// <summary>The timestamp of the winning assignment (<see cref="HlcTimestamp.Zero"/> when never assigned).</summary>
    public HlcTimestamp Timestamp { get; private set; }

    /// <summary>The replica that made the winning assignment (empty when never assigned).</summary>
    public string Replica { get; private set; } = string.Empty;

    /// <summary>Whether the register holds a value (false when never assigned or cleared).</summary>
    public bool HasValue { get; private set; }

    /// <summary>The value, or default when <see cref="HasValue"/> is false.</summary>
    public T? Value { get; private set; }

    /// <summary>Assigns <paramref name="value"/> at <paramref name="timestamp"/>; returns the delta (the assignment).</summary>
    public LwwRegister<T> Assign(T value, HlcTimestamp timestamp, string replica) => Apply(true, value, timestamp, replica);

    /// <summary>Clears the value at <paramref name="timestamp"/>; returns the delta.</summary>
    public LwwRegister<T> Clear(HlcTimestamp timestamp, string replica) => Apply(false, default, timestamp, replica);

    /// <inheritdoc />
    /// <remarks>True when the assignment won, so the register holds exactly it; false for one that lost to a later assignment.</remarks>
    public bool IsWholeState(LwwRegister<T> delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        // A winning assignment is copied by reference, so even a byte[] value compares equal.
        return Timestamp == delta.Timestamp && Replica == delta.Replica && HasValue == delta.HasValue && EqualityComparer<T>.Default.Equals(Value, delta.Value);
    }

    /// <inheritdoc />
    public void Merge(LwwRegister<T> other)
    {
        if (Compare(other, this) > 0)
        {
            CopyFrom(other);
        }
    }

    /// <inheritdoc />
    public LwwRegister<T> Clone()
    {
        var copy = new LwwRegister<T>();
        copy.CopyFrom(this);
        return copy;
    }

    /// <inheritdoc />
    public void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_saved.HasValue);
        _saved = (Timestamp, Replica, HasValue, Value);
    }

    /// <inheritdoc />
    public void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_saved.HasValue);
        _saved = null;
    }

    /// <inheritdoc />
    public void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_saved.HasValue);
        (Timestamp, Replica, HasValue, Value) = _saved!.Value;
        _saved = null;
    }

    /// <inheritdoc />
    public void WriteBody(ref Writer writer)
    {
        if (Replica.Length == 0)
        {
            return;
        }
        writer.WriteFieldHeader(1, WireType.VarInt);
        writer.WriteVarInt64(Timestamp.WallMilliseconds);
        if (Timestamp.Logical != 0)
        {
            writer.WriteFieldHeader(2, WireType.VarInt);
            writer.WriteVarUInt32(Timestamp.Logical);
        }
        CrdtWire.WriteReplica(ref writer, 3, Replica);
        if (HasValue)
        {
            Codec<T>.Instance.Write(ref writer, 4, Value!);
        }
    }

    /// <inheritdoc />
    public static LwwRegister<T> ReadBody(ref Reader reader)
    {
        var register = new LwwRegister<T>();
        long wall = 0;
        uint logical = 0;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    CrdtWire.Expect(wireType, WireType.VarInt);
                    wall = reader.ReadVarInt64();
                    break;
                case 2:
                    CrdtWire.Expect(wireType, WireType.VarInt);
                    logical = reader.ReadVarUInt32();
                    break;
                case 3:
                    register.Replica = CrdtWire.ReadReplica(ref reader, wireType);
                    break;
                case 4:
                    if (register.HasValue)
                    {
                        throw CrdtWire.Duplicate("a register value");
                    }
                    register.Value = Codec<T>.Instance.Read(ref reader, wireType);
                    register.HasValue = true;
                    break;
                default:
                    reader.SkipField(wireType);
                    break;
            }
        }
        register.Timestamp = new HlcTimestamp(wall, logical);
        if (register.Replica.Length == 0 && (register.HasValue || register.Timestamp != HlcTimestamp.Zero))
        {
            throw new SerializationException("Malformed CRDT data: a register assignment without its replica.");
        }
        return register;
    }

    /// <inheritdoc />
    public override string ToString() => HasValue ? $"{Value} @{Timestamp} by {Replica}" : $"(none) @{Timestamp}";

    private LwwRegister<T> Apply(bool hasValue, T? value, HlcTimestamp timestamp, string replica)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var delta = new LwwRegister<T> { Timestamp = timestamp, Replica = replica, HasValue = hasValue, Value = value };
        Merge(delta);
        return delta;
    }

    private void CopyFrom(LwwRegister<T> other)
    {
        Timestamp = other.Timestamp;
        Replica = other.Replica;
        HasValue = other.HasValue;
        Value = other.Value;
    }

    private static int Compare(LwwRegister<T> a, LwwRegister<T> b)
    {
        var c = a.Timestamp.CompareTo(b.Timestamp);
        if (c != 0)
        {
            return c;
        }
        c = string.CompareOrdinal(a.Replica, b.Replica);
        if (c != 0)
        {
            return c;
        }
        c = a.HasValue.CompareTo(b.HasValue);
        if (c != 0 || !a.HasValue)
        {
            return c;
        }
        // Only conflicting histories (one replica reusing a timestamp) get here: still deterministic.
        return ElementBytes<T>.Compare(a.Value!, b.Value!);
    }
}
