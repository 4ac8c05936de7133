namespace ActorEdge.Crdt;

/// <summary>
/// A CRDT whose update may return its whole state as the delta (a register's assignment that wins).
/// Such a delta includes every earlier update of the state, so a replicator that still has earlier
/// deltas of the same state to send can send them as their dots alone: a steady writer of a large
/// register then ships its latest value once per message instead of every value it wrote.
/// </summary>
/// <typeparam name="TSelf">The CRDT type itself.</typeparam>
public interface IWholeStateDelta<TSelf> where TSelf : class, ICrdt<TSelf>
{
    /// <summary>
    /// Whether <paramref name="delta"/>, returned by the update just applied to this state, equals the
    /// state now. False whenever unsure: answering false only costs bytes, answering true wrongly loses updates.
    /// </summary>
    bool IsWholeState(TSelf delta);
}
