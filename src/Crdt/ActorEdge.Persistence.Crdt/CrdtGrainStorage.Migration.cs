using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt;

/// <summary>
/// Live migration (Proactive): every silo already holds a replica, so only compute moves. The
/// source hands over the version of the state (its causal context), and the state itself when the
/// target has not acknowledged the source's latest updates (up to <see cref="CrdtStorageOptions.HandOverStateBytes"/>);
/// the target joins it and waits, bounded by <see cref="CrdtStorageOptions.CatchUpTimeout"/>, until
/// its replica includes that version, so no write the source acknowledged is missing at the target. The in-memory state travels with its
/// ETag, which stays valid at the target once the replicas agree (ETags derive from the version).
/// </summary>
internal sealed partial class CrdtGrainStorage
{
    public bool TransfersRecord => false;

    public string ExportComponent => "version";

    public string ImportComponent => "catch-up";

    public async Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        // Local updates are durable before they are acknowledged, so the replica's version covers every acknowledged write.
        var record = await replicator.ExportForHandOverAsync(KeyOf(migration.StateName, migration.GrainId), migration.Target, options.HandOverStateBytes).ConfigureAwait(false);
        return ReplicationCodec.Encode((ref Writer w) => ReplicationCodec.WriteState(ref w, 1, record));
    }

    public async Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        if (exported.IsEmpty)
        {
            return;
        }
        // Corrupt bytes throw a SerializationException, a timeout CrdtCatchUpTimeoutException: either refuses the hand-over.
        var key = KeyOf(migration.StateName, migration.GrainId);
        var record = ReadHandOver(exported.Span);
        if (record.Key != key)
        {
            throw new SerializationException($"The hand-over of '{key}' carries the state of '{record.Key}'.");
        }
        replicator.MergeHandOver(record);
        await WaitForVersionAsync(migration.StateName, migration.GrainId, new CrdtVersion(record.Version), options.CatchUpTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the bytes <see cref="ExportAsync"/> made; throws <see cref="SerializationException"/> when corrupt.</summary>
    internal static StateRecord ReadHandOver(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        StateRecord? record = null;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 1)
            {
                record = ReplicationCodec.ReadState(ref reader, wireType);
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        return record ?? throw new SerializationException("A CRDT migration hand-over lacks its state record.");
    }

    // Every silo keeps its replica: the source's copy is the same replicated state, nothing to drop.
    public Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken) => Task.CompletedTask;
}
