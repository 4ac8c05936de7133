using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>A grow-only counter: one monotonic count per replica; the value is their sum, the join their pointwise maximum.</summary>
public sealed class GCounter : ICrdt<GCounter>
{
    private readonly Dictionary<string, ulong> _counts = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public static byte TypeTag => 1;

    /// <inheritdoc />
    public static GCounter CreateEmpty() => new();

    /// <summary>The counter's value.</summary>
    public ulong Value
    {
        get
        {
            ulong sum = 0;
            foreach (var count in _counts.Values)
            {
                sum = checked(sum + count);
            }
            return sum;
        }
    }

    /// <summary>The count of each replica.</summary>
    public IReadOnlyDictionary<string, ulong> Counts => _counts;

    /// <summary>Adds <paramref name="amount"/> on behalf of <paramref name="replica"/>; returns the delta (that replica's new count).</summary>
    public GCounter Increment(string replica, ulong amount = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var count = checked(_counts.GetValueOrDefault(replica) + amount);
        _counts[replica] = count;
        var delta = new GCounter();
        delta._counts[replica] = count;
        return delta;
    }

    /// <inheritdoc />
    public void Merge(GCounter other)
    {
        foreach (var (replica, count) in other._counts)
        {
            if (!_counts.TryGetValue(replica, out var mine) || mine < count)
            {
                _counts[replica] = count;
            }
        }
    }

    /// <inheritdoc />
    public GCounter Clone()
    {
        var copy = new GCounter();
        foreach (var (replica, count) in _counts)
        {
            copy._counts[replica] = count;
        }
        return copy;
    }

    /// <inheritdoc />
    public void WriteBody(ref Writer writer)
    {
        var replicas = new List<string>(_counts.Keys);
        replicas.Sort(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            writer.WriteStartObject(1);
            CrdtWire.WriteReplica(ref writer, 1, replica);
            writer.WriteFieldHeader(2, WireType.VarInt);
            writer.WriteVarUInt64(_counts[replica]);
            writer.WriteEndObject();
        }
    }

    /// <inheritdoc />
    public static GCounter ReadBody(ref Reader reader)
    {
        var counter = new GCounter();
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field != 1)
            {
                reader.SkipField(wireType);
                continue;
            }
            reader.EnterObject(wireType);
            string? replica = null;
            ulong count = 0;
            while (reader.TryReadFieldHeader(out var inner, out var innerType))
            {
                switch (inner)
                {
                    case 1: replica = CrdtWire.ReadReplica(ref reader, innerType); break;
                    case 2: count = CrdtWire.ReadUInt64(ref reader, innerType); break;
                    default: reader.SkipField(innerType); break;
                }
            }
            if (replica is null || !counter._counts.TryAdd(replica, count))
            {
                throw replica is null ? new SerializationException("Malformed CRDT data: a counter entry without a replica.") : CrdtWire.Duplicate($"the count of {replica}");
            }
        }
        return counter;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
