using ActorEdge.Crdt;

namespace ActorEdge.Persistence.Crdt;

/// <summary>
/// The version of a replicated state: the causal context (dots) of the updates it holds. A
/// migration's source hands it to the target, which waits until its replica includes it.
/// </summary>
public sealed class CrdtVersion
{
    internal CrdtVersion(CausalContext context)
    {
        Context = context;
    }

    /// <summary>The causal context.</summary>
    public CausalContext Context { get; }

    /// <summary>The version as bytes (the tagged encoding of the causal context), to send with a migration.</summary>
    public byte[] ToBytes() => Replication.ReplicationCodec.Encode((ref ActorEdge.Serialization.Writer w) => Context.WriteBody(ref w));

    /// <summary>Reads bytes made by <see cref="ToBytes"/>; throws <see cref="ActorEdge.Serialization.SerializationException"/> when corrupt.</summary>
    public static CrdtVersion FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new ActorEdge.Serialization.Reader(bytes);
        return new CrdtVersion(CausalContext.ReadBody(ref reader));
    }

    /// <inheritdoc />
    public override string ToString() => Context.ToString();
}

/// <summary>
/// The CRDT grain storage provider's own surface, besides <see cref="IGrainStorage"/>: the
/// version of a state (to hand over at migration), the bounded catch-up wait, and mergeable
/// state. Resolve it as the keyed <see cref="IGrainStorage"/> of the provider's name and cast,
/// or use <see cref="ICrdtStateFactory"/> from a grain.
/// </summary>
public interface ICrdtGrainStorage : IGrainStorage
{
    /// <summary>The version of the state on this silo's replica (empty when it has none).</summary>
    CrdtVersion GetVersion(string stateName, GrainId grainId);

    /// <summary>
    /// Waits until this silo's replica of the state includes <paramref name="version"/> (asking
    /// every peer for what it lacks at once). Throws <see cref="CrdtCatchUpTimeoutException"/>
    /// naming what is still missing after <paramref name="timeout"/> (default
    /// <see cref="CrdtStorageOptions.CatchUpTimeout"/>).
    /// </summary>
    Task WaitForVersionAsync(string stateName, GrainId grainId, CrdtVersion version, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>A mergeable state of CRDT type <typeparamref name="TCrdt"/> (registered with <see cref="CrdtReplicationOptions.RegisterType{T}"/> unless built in).</summary>
    ICrdtState<TCrdt> GetCrdtState<TCrdt>(string stateName, GrainId grainId) where TCrdt : class, ICrdt<TCrdt>;
}

/// <summary>What a mutation of an <see cref="ICrdtState{TCrdt}"/> needs: the replica id and the hybrid logical clock.</summary>
public sealed class CrdtUpdateContext
{
    private readonly HybridLogicalClock _clock;

    internal CrdtUpdateContext(string replicaId, HybridLogicalClock clock)
    {
        ReplicaId = replicaId;
        _clock = clock;
    }

    /// <summary>The id of this silo's replica (pass it to the CRDT's mutators).</summary>
    public string ReplicaId { get; }

    /// <summary>A new timestamp of this replica's hybrid logical clock (for LWW registers and maps).</summary>
    public HlcTimestamp Now() => _clock.Now();
}

/// <summary>
/// Grain state that merges instead of overwriting: a CRDT replicated to every silo. Updates are
/// local and durable, then travel to the other silos as deltas; concurrent updates on different
/// silos converge.
/// </summary>
public interface ICrdtState<TCrdt> where TCrdt : class, ICrdt<TCrdt>
{
    /// <summary>
    /// A copy of this silo's replica of the state (empty when none). The copy costs the state's
    /// size; to ask one thing of a large state (a membership, a count) use <see cref="Read{TResult}"/>.
    /// </summary>
    TCrdt Value { get; }

    /// <summary>
    /// Runs <paramref name="read"/> on this silo's replica itself (an empty state when none) and
    /// returns its answer, without copying the state: <c>state.Read(set => set.Contains(x))</c>
    /// costs the lookup, not the size of the set. <paramref name="read"/> runs under the lock of all
    /// this silo's CRDT replicas (replication and every update wait for it), so it must be short and
    /// must not block; it must not mutate the state, nor return or keep the state or a part of it
    /// that changes (return a value or a copy). Reading or updating CRDT state from inside it throws
    /// <see cref="InvalidOperationException"/>: take the answer out, then act on it.
    /// </summary>
    TResult Read<TResult>(Func<TCrdt, TResult> read);

    /// <summary>The version of this silo's replica.</summary>
    CrdtVersion Version { get; }

    /// <summary>
    /// Mutates the state: <paramref name="mutate"/> calls the CRDT's mutators on the live replica
    /// and returns their delta. Completes once durable on this silo; returns the new version.
    /// </summary>
    Task<CrdtVersion> UpdateAsync(Func<TCrdt, CrdtUpdateContext, TCrdt> mutate);

    /// <summary>Waits (bounded) until this replica includes <paramref name="version"/>; see <see cref="ICrdtGrainStorage.WaitForVersionAsync"/>.</summary>
    Task WaitForVersionAsync(CrdtVersion version, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}

/// <summary>Gives grains their <see cref="ICrdtState{TCrdt}"/> (inject it into the grain's constructor).</summary>
public interface ICrdtStateFactory
{
    /// <summary>The state <paramref name="stateName"/> of <paramref name="grainId"/> in CRDT storage <paramref name="storageName"/>.</summary>
    ICrdtState<TCrdt> Get<TCrdt>(GrainId grainId, string stateName, string storageName) where TCrdt : class, ICrdt<TCrdt>;
}
