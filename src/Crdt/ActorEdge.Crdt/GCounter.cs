using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>A grow-only counter: one monotonic count per replica; the value is their sum, the join their pointwise maximum.</summary>
public sealed class GCounter : ICrdt<GCounter>, IRevertibleCrdt
{
    private readonly Dictionary<string, ulong> _counts = new(StringComparer.Ordinal);

    // While changes are tracked: each changed replica's count before its first change (Had false: it had none).
    private bool _tracking;
    private Dictionary<string, (bool Had, ulong Count)>? _savedCounts;

    /// <summary>A zero counter.</summary>
    public GCounter() { }

    internal GCounter(Dictionary<string, ulong> counts)
    {
        _counts = counts;
    }

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
        Set(replica, count);
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
                Set(replica, count);
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
    public void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_tracking);
        _tracking = true;
        _savedCounts ??= new Dictionary<string, (bool Had, ulong Count)>(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        _savedCounts!.Clear();
    }

    /// <inheritdoc />
    public void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        foreach (var (replica, (had, count)) in _savedCounts!)
        {
            if (had)
            {
                _counts[replica] = count;
            }
            else
            {
                _counts.Remove(replica);
            }
        }
        _savedCounts.Clear();
    }

    /// <summary>Fields, sorted by replica: 1 = a replica, 2 = its count (see <see cref="CrdtWire.ReadCounts"/>).</summary>
    public void WriteBody(ref Writer writer)
    {
        var replicas = new List<string>(_counts.Keys);
        replicas.Sort(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            CrdtWire.WriteReplica(ref writer, 1, replica);
            writer.WriteFieldHeader(2, WireType.VarInt);
            writer.WriteVarUInt64(_counts[replica]);
        }
    }

    /// <inheritdoc />
    public static GCounter ReadBody(ref Reader reader)
    {
        var counter = new GCounter();
        CrdtWire.ReadCounts(ref reader, counter._counts, null);
        return counter;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Set(string replica, ulong count)
    {
        if (_tracking && !_savedCounts!.ContainsKey(replica))
        {
            _savedCounts[replica] = (_counts.TryGetValue(replica, out var before), before);
        }
        _counts[replica] = count;
    }
}
