using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>A counter that goes up and down: a <see cref="GCounter"/> of increments and one of decrements.</summary>
public sealed class PNCounter : ICrdt<PNCounter>, IRevertibleCrdt
{
    private readonly GCounter _increments;
    private readonly GCounter _decrements;

    /// <summary>A zero counter.</summary>
    public PNCounter() : this(new GCounter(), new GCounter()) { }

    private PNCounter(GCounter increments, GCounter decrements)
    {
        _increments = increments;
        _decrements = decrements;
    }

    /// <inheritdoc />
    public static byte TypeTag => 2;

    /// <inheritdoc />
    public static PNCounter CreateEmpty() => new();

    /// <summary>The counter's value.</summary>
    public long Value => checked((long)_increments.Value - (long)_decrements.Value);

    /// <summary>Adds <paramref name="amount"/> (negative to subtract) on behalf of <paramref name="replica"/>; returns the delta.</summary>
    public PNCounter Increment(string replica, long amount)
    {
        if (amount >= 0)
        {
            return new PNCounter(_increments.Increment(replica, (ulong)amount), new GCounter());
        }
        return new PNCounter(new GCounter(), _decrements.Increment(replica, amount == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)-amount));
    }

    /// <inheritdoc />
    public void Merge(PNCounter other)
    {
        _increments.Merge(other._increments);
        _decrements.Merge(other._decrements);
    }

    /// <inheritdoc />
    public PNCounter Clone() => new(_increments.Clone(), _decrements.Clone());

    /// <inheritdoc />
    public void TrackChanges()
    {
        _increments.TrackChanges();
        _decrements.TrackChanges();
    }

    /// <inheritdoc />
    public void AcceptChanges()
    {
        _increments.AcceptChanges();
        _decrements.AcceptChanges();
    }

    /// <inheritdoc />
    public void RejectChanges()
    {
        _increments.RejectChanges();
        _decrements.RejectChanges();
    }

    /// <summary>
    /// Fields, sorted by replica: 1 = a replica, 2 = its count of increments, 3 = of decrements
    /// (each only when that half has the replica; see <see cref="CrdtWire.ReadCounts"/>).
    /// </summary>
    public void WriteBody(ref Writer writer)
    {
        var replicas = new List<string>(_increments.Counts.Keys);
        foreach (var replica in _decrements.Counts.Keys)
        {
            if (!_increments.Counts.ContainsKey(replica))
            {
                replicas.Add(replica);
            }
        }
        replicas.Sort(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            CrdtWire.WriteReplica(ref writer, 1, replica);
            if (_increments.Counts.TryGetValue(replica, out var up))
            {
                writer.WriteFieldHeader(2, WireType.VarInt);
                writer.WriteVarUInt64(up);
            }
            if (_decrements.Counts.TryGetValue(replica, out var down))
            {
                writer.WriteFieldHeader(3, WireType.VarInt);
                writer.WriteVarUInt64(down);
            }
        }
    }

    /// <inheritdoc />
    public static PNCounter ReadBody(ref Reader reader)
    {
        var increments = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var decrements = new Dictionary<string, ulong>(StringComparer.Ordinal);
        CrdtWire.ReadCounts(ref reader, increments, decrements);
        return new PNCounter(new GCounter(increments), new GCounter(decrements));
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
