using ActorEdge.Crdt;

namespace ActorEdge.Persistence.Crdt.Replication;

// Migration hand-over: the version of a state, and the state itself when the target may lack it.
internal sealed partial class CrdtReplicator
{
    /// <summary>
    /// What a migration hands over for <paramref name="key"/>: its version and, unless
    /// <paramref name="target"/> has acknowledged every local update, the state itself when it
    /// encodes to at most <paramref name="maxStateBytes"/> (an empty <see cref="StateRecord.State"/> otherwise).
    /// </summary>
    /// <remarks>
    /// A grain that writes steadily has its last deltas still in flight when it migrates; the
    /// target would wait for them (a send interval and a round trip). Joining the state carried by
    /// the hand-over is safe in any order (a CRDT join), and the deltas that arrive later are
    /// already included, so they change nothing.
    /// </remarks>
    internal StateRecord ExportForHandOver(string key, SiloAddress target, int maxStateBytes)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return new StateRecord(key, string.Empty, new CausalContext(), []);
            }
            var version = entry.Version.Clone();
            var caughtUp = _links.TryGetValue(target, out var link) && link.Acknowledged is { } acked && acked >= _localSequence;
            if (caughtUp || maxStateBytes <= 0)
            {
                return new StateRecord(key, entry.Value.TypeName, version, []);
            }
            var state = entry.Value.Encode();
            if (state.Length > maxStateBytes)
            {
                return new StateRecord(key, entry.Value.TypeName, version, []);
            }
            Stats.RecordHandOverState(state.Length);
            return new StateRecord(key, entry.Value.TypeName, version, state);
        }
    }

    /// <summary>Joins a state carried by a hand-over into the local replica; one without a state changes nothing.</summary>
    /// <remarks>
    /// The join is journaled without waiting for it to be durable: the source's replica holds every
    /// write it acknowledged durably already, and the target's own next update is journaled after this
    /// record and acknowledged only once durable, which makes this record durable first.
    /// </remarks>
    internal void MergeHandOver(StateRecord record)
    {
        if (record.State.Length == 0)
        {
            return;
        }
        _ = JournalAsync(MergeStates([record])).ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
