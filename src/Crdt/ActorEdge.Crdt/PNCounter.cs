using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>A counter that goes up and down: a <see cref="GCounter"/> of increments and one of decrements.</summary>
public sealed class PNCounter : ICrdt<PNCounter>
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
    public void WriteBody(ref Writer writer)
    {
        // An empty half is left out (read back as empty): a delta changes one half only.
        if (_increments.Counts.Count > 0)
        {
            CrdtWire.WriteNested(ref writer, 1, _increments);
        }
        if (_decrements.Counts.Count > 0)
        {
            CrdtWire.WriteNested(ref writer, 2, _decrements);
        }
    }

    /// <inheritdoc />
    public static PNCounter ReadBody(ref Reader reader)
    {
        GCounter? increments = null, decrements = null;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when increments is null: increments = CrdtWire.ReadNested<GCounter>(ref reader, wireType); break;
                case 2 when decrements is null: decrements = CrdtWire.ReadNested<GCounter>(ref reader, wireType); break;
                case 1 or 2: throw CrdtWire.Duplicate("a counter half");
                default: reader.SkipField(wireType); break;
            }
        }
        return new PNCounter(increments ?? new GCounter(), decrements ?? new GCounter());
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
