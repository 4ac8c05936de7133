namespace ActorEdge.Crdt;

/// <summary>One event of one replica: its <paramref name="Counter"/>-th update (counters start at 1).</summary>
/// <param name="Replica">The replica that made the update.</param>
/// <param name="Counter">Its sequence number at that replica.</param>
public readonly record struct Dot(string Replica, ulong Counter) : IComparable<Dot>
{
    /// <inheritdoc />
    public int CompareTo(Dot other)
    {
        var byReplica = string.CompareOrdinal(Replica, other.Replica);
        return byReplica != 0 ? byReplica : Counter.CompareTo(other.Counter);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Replica}:{Counter}";
}
