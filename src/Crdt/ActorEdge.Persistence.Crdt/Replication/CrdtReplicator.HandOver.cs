using ActorEdge.Crdt;

namespace ActorEdge.Persistence.Crdt.Replication;

// Migration hand-over: the version of a state, and the state itself when the target may lack it.
internal sealed partial class CrdtReplicator
{
    /// <summary>
    /// What a migration hands over for <paramref name="key"/>: its version and, unless
    /// <paramref name="target"/> has acknowledged every local update, the state itself when it
    /// encodes to at most <paramref name="maxStateBytes"/> and a quarter of the transport's message
    /// limit (an empty <see cref="StateRecord.State"/> otherwise), once durable here.
    /// </summary>
    /// <remarks>
    /// A grain that writes steadily has its last deltas still in flight when it migrates; the
    /// target would wait for them (a send interval and a round trip). Joining the state carried by
    /// the hand-over is safe in any order (a CRDT join), and the deltas that arrive later are
    /// already included, so they change nothing.
    /// </remarks>
    internal async Task<StateRecord> ExportForHandOverAsync(string key, SiloAddress target, int maxStateBytes)
    {
        ThrowIfJournalFailed();
        StateRecord record;
        ulong upTo;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return new StateRecord(key, string.Empty, new CausalContext(), []);
            }
            // The key's own updates, not every update of the silo: the state carries no other key's
            // dots, and the grain is idle, so its last write was acknowledged durable already.
            upTo = entry.LastLocalSequence;
            var version = entry.Version.Clone();
            var caughtUp = _links.TryGetValue(target, out var link) && link.Acknowledged is { } acked && acked >= _localSequence;
            // At most a quarter of a message: the hand-over also carries the grain's in-memory state and its other states.
            var limit = Math.Min(maxStateBytes, PayloadLimit / 4);
            var state = caughtUp || limit <= 0 ? [] : entry.Value.Encode();
            record = new StateRecord(key, entry.Value.TypeName, version, state.Length <= limit ? state : []);
        }
        if (record.State.Length == 0)
        {
            return record;
        }
        // As every path that sends states: an update of this replica that a crash could lose must not
        // leave it, or its dot could be reused for another update of the key after the restart.
        await WaitDurableAsync(upTo).ConfigureAwait(false);
        Stats.RecordHandOverState(record.State.Length);
        return record;
    }

    /// <summary>Joins a state carried by a hand-over into the local replica; one without a state changes nothing.</summary>
    /// <remarks>
    /// The join is journaled without waiting for it to be durable: the source's replica holds every
    /// write it acknowledged durably already, and the target's own next update is journaled after this
    /// record and acknowledged only once durable, which makes this record durable first.
    /// </remarks>
    internal void MergeHandOver(StateRecord record)
    {
        ThrowIfJournalFailed();
        if (record.State.Length == 0)
        {
            return;
        }
        _ = JournalQuietlyAsync(record.Key, MergeStates([record]));
    }

    private async Task JournalQuietlyAsync(string key, List<byte[]> records)
    {
        try
        {
            await JournalAsync(records).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogWarningHandOverJournalFailed(_logger, key, e);
        }
    }
}
