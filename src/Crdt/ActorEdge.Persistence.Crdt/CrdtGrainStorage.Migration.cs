namespace ActorEdge.Persistence.Crdt;

/// <summary>
/// Live migration (Proactive): every silo already holds a replica, so only compute moves. The
/// source hands over the version of the state (its causal context); the target waits, bounded by
/// <see cref="CrdtStorageOptions.CatchUpTimeout"/>, until its replica includes that version, so no
/// write the source acknowledged is missing at the target. The in-memory state travels with its
/// ETag, which stays valid at the target once the replicas agree (ETags derive from the version).
/// </summary>
internal sealed partial class CrdtGrainStorage
{
    public bool TransfersRecord => false;

    public string ExportComponent => "version";

    public string ImportComponent => "catch-up";

    public Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        // Local updates are durable before they are acknowledged, so the replica's version covers every acknowledged write.
        return Task.FromResult<ReadOnlyMemory<byte>>(GetVersion(migration.StateName, migration.GrainId).ToBytes());
    }

    public Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        // Corrupt bytes throw a SerializationException, a timeout CrdtCatchUpTimeoutException: either refuses the hand-over.
        var version = CrdtVersion.FromBytes(exported.Span);
        return WaitForVersionAsync(migration.StateName, migration.GrainId, version, options.CatchUpTimeout, cancellationToken);
    }

    // Every silo keeps its replica: the source's copy is the same replicated state, nothing to drop.
    public Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken) => Task.CompletedTask;
}
