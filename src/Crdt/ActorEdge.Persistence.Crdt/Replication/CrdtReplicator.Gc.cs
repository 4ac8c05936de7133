using ActorEdge.Crdt;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>
/// Key garbage collection: a cleared grain state (a register without a value) is dropped from
/// the replicas and the journal once every current peer has reported, in its anti-entropy digest,
/// exactly the version this replica holds (so each has the clear and nothing newer). What stays is
/// a marker (key and version, no value) that keeps older copies from coming back and lets a new
/// write continue the key's dots; markers are listed in digests, so the peers drop the key too, and
/// are forgotten after <see cref="CrdtReplicationOptions.TombstoneRetention"/>: a silo away for
/// longer that still holds an older copy may bring it back (the bounded tombstone policy).
/// </summary>
internal sealed partial class CrdtReplicator
{
    private readonly Dictionary<string, DroppedKey> _dropped = new(StringComparer.Ordinal);

    /// <summary>Keys dropped by this replica (tests read it).</summary>
    internal bool IsDropped(string key)
    {
        lock (_gate)
        {
            return _dropped.ContainsKey(key) && !_entries.ContainsKey(key);
        }
    }

    /// <summary>Keys this replica holds (tests read it).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>How many times the journal was replaced by a snapshot while running (tests read it).</summary>
    internal long JournalCompactions => _journal?.Compactions ?? 0;

    /// <summary>Test hook: the journal writes nothing until <paramref name="release"/> completes (what a slow disk does).</summary>
    internal void HoldJournal(Task release)
    {
        if (_journal is { } journal)
        {
            journal.Hold = release;
        }
    }

    /// <summary>Test hook: the journal's next write fails with <paramref name="fault"/> after writing half a record (a disk error).</summary>
    internal void FailNextJournalWrite(Exception fault)
    {
        if (_journal is { } journal)
        {
            journal.FailNextWrite = fault;
        }
    }

    /// <summary>Replaces the journal with a snapshot now (tests; compaction otherwise follows the journal's size).</summary>
    internal Task CompactJournalAsync() => _journal?.CompactAsync() ?? Task.CompletedTask;

    /// <summary>Whether <paramref name="incoming"/> for <paramref name="key"/> is older than the key's drop (and must be ignored).</summary>
    private bool IsDroppedLocked(string key, CausalContext incoming) =>
        !_entries.ContainsKey(key) && _dropped.TryGetValue(key, out var dropped) && dropped.Version.Includes(incoming);

    /// <summary>The version of <paramref name="key"/>: its replica's, or the one it was dropped at; null when unknown.</summary>
    private CausalContext? KnownVersionLocked(string key) =>
        _entries.TryGetValue(key, out var entry) ? entry.Version : _dropped.TryGetValue(key, out var dropped) ? dropped.Version : null;

    /// <summary>Notes the version a peer's digest reports for a key this replica holds as a tombstone.</summary>
    private void NotePeerVersionLocked(SiloAddress? peer, string key, CausalContext version)
    {
        if (peer is not null && _entries.TryGetValue(key, out var entry) && entry.Value.IsTombstone)
        {
            (entry.PeerVersions ??= [])[peer] = version;
        }
    }

    /// <summary>Drops the tombstones every peer holds at the same version, and forgets markers past their retention.</summary>
    internal async Task<int> CollectGarbageAsync()
    {
        var journal = new List<byte[]>();
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var dropped = 0;
        lock (_gate)
        {
            List<string>? drop = null;
            foreach (var (key, entry) in _entries)
            {
                if (entry.Value.IsTombstone && SeenByEveryPeerLocked(entry))
                {
                    (drop ??= []).Add(key);
                }
            }
            if (drop is not null)
            {
                foreach (var key in drop)
                {
                    var entry = _entries[key];
                    _entries.Remove(key);
                    dropped++;
                    if (entry.Version.IsEmpty)
                    {
                        continue; // never written (a clear of nothing): no dots to remember
                    }
                    _dropped[key] = new DroppedKey(entry.Version, now);
                    if (_journal is not null)
                    {
                        journal.Add(EncodeJournalDropped(key, entry.Version, now));
                    }
                }
            }
            var retention = (long)_options.TombstoneRetention.TotalMilliseconds;
            List<string>? expired = null;
            foreach (var (key, marker) in _dropped)
            {
                if (now - marker.DroppedAtMs >= retention)
                {
                    (expired ??= []).Add(key);
                }
            }
            if (expired is not null)
            {
                foreach (var key in expired)
                {
                    _dropped.Remove(key);
                }
            }
        }
        if (dropped > 0)
        {
            Stats.RecordDropped(dropped);
            LogDebugKeysDropped(_logger, ReplicaId, dropped);
        }
        await JournalAsync(journal).ConfigureAwait(false);
        return dropped;
    }

    private bool SeenByEveryPeerLocked(ReplicaEntry entry)
    {
        foreach (var peer in _links.Keys)
        {
            if (entry.PeerVersions is null || !entry.PeerVersions.TryGetValue(peer, out var theirs) || !theirs.Includes(entry.Version) || !entry.Version.Includes(theirs))
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] EncodeJournalDropped(string key, CausalContext version, long droppedAtMs) => ReplicationCodec.Encode((ref Writer w) =>
    {
        ReplicationCodec.WriteUInt64(ref w, 1, ReplicationCodec.JournalDropped);
        ReplicationCodec.WriteString(ref w, 2, key);
        ReplicationCodec.WriteContext(ref w, 8, version);
        w.WriteFieldHeader(9, WireType.VarInt);
        w.WriteVarInt64(droppedAtMs);
    });

    private static CausalContext ContextOf(Dot dot)
    {
        var context = new CausalContext();
        context.Add(dot);
        return context;
    }

    private sealed record DroppedKey(CausalContext Version, long DroppedAtMs);
}
