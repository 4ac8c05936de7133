using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A delta-state CRDT: a join-semilattice whose mutators return deltas, values of the same type
/// that join like full states. <see cref="Merge"/> is the join: commutative, associative and
/// idempotent, so replicas that have merged the same deltas (in any order, any number of times)
/// hold the same state.
/// </summary>
/// <typeparam name="TSelf">The CRDT type itself.</typeparam>
public interface ICrdt<TSelf> where TSelf : class, ICrdt<TSelf>
{
    /// <summary>The tag that identifies the type in the wire format.</summary>
    static abstract byte TypeTag { get; }

    /// <summary>The bottom element: a new, empty state.</summary>
    static abstract TSelf CreateEmpty();

    /// <summary>Joins <paramref name="other"/> (a state, a delta or a delta group) into this state; <paramref name="other"/> is not changed.</summary>
    void Merge(TSelf other);

    /// <summary>A deep copy.</summary>
    TSelf Clone();

    /// <summary>Writes the fields of the state (without an enclosing object), in a canonical order.</summary>
    void WriteBody(ref Writer writer);

    /// <summary>Reads the fields written by <see cref="WriteBody"/> up to the end of the enclosing object.</summary>
    static abstract TSelf ReadBody(ref Reader reader);
}
