using ActorEdge.Crdt;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

internal sealed partial class CrdtReplicator
{
    /// <summary>
    /// The journal record of applied deltas (in a pooled buffer the journal returns once written):
    /// one update record, or for several (a received batch) one batch record, replayed whole or,
    /// when torn, not at all.
    /// </summary>
    private static PooledBuffer EncodeJournalUpdates(List<DeltaRecord> records, string origin)
    {
        if (records.Count == 1)
        {
            return ReplicationCodec.EncodePooled((ref Writer w) => WriteJournalUpdate(ref w, records[0], origin));
        }
        var batch = new PooledBuffer();
        using var scratch = new PooledBuffer();
        var w = new Writer(batch);
        ReplicationCodec.WriteUInt64(ref w, 1, ReplicationCodec.JournalBatch);
        foreach (var record in records)
        {
            scratch.ResetWrittenCount();
            var inner = new Writer(scratch);
            WriteJournalUpdate(ref inner, record, origin);
            inner.Commit();
            ReplicationCodec.WriteBytes(ref w, 10, scratch.WrittenSpan);
        }
        w.Commit();
        return batch;
    }

    private static void WriteJournalUpdate(ref Writer w, DeltaRecord record, string origin)
    {
        ReplicationCodec.WriteUInt64(ref w, 1, ReplicationCodec.JournalUpdate);
        ReplicationCodec.WriteString(ref w, 2, record.Key);
        ReplicationCodec.WriteString(ref w, 3, record.Type);
        ReplicationCodec.WriteString(ref w, 4, origin);
        ReplicationCodec.WriteUInt64(ref w, 5, record.DotCounter);
        ReplicationCodec.WriteUInt64(ref w, 6, record.Sequence);
        // A dot-only record has no bytes: the batch record it is journaled in holds the record that carries its effect.
        if (!record.DotOnly)
        {
            ReplicationCodec.WriteBytes(ref w, 7, record.Delta.Span);
        }
    }

    private static byte[] EncodeJournalState(StateRecord record) => ReplicationCodec.Encode((ref Writer w) =>
    {
        ReplicationCodec.WriteUInt64(ref w, 1, ReplicationCodec.JournalState);
        ReplicationCodec.WriteString(ref w, 2, record.Key);
        ReplicationCodec.WriteString(ref w, 3, record.Type);
        ReplicationCodec.WriteBytes(ref w, 7, record.State);
        ReplicationCodec.WriteContext(ref w, 8, record.Version);
    });

    private static byte[] EncodeJournalDelivered(string origin, ulong sequence) => ReplicationCodec.Encode((ref Writer w) =>
    {
        ReplicationCodec.WriteUInt64(ref w, 1, ReplicationCodec.JournalDelivered);
        ReplicationCodec.WriteString(ref w, 4, origin);
        ReplicationCodec.WriteUInt64(ref w, 6, sequence);
    });

    /// <summary>Replays the journal (cutting a torn tail), then rewrites it as a snapshot when it grew past the compaction size.</summary>
    private void RecoverFromJournal(string directory)
    {
        var records = CrdtJournal.Replay(directory, out var validBytes);
        var path = Path.Combine(directory, "replicas.journal");
        if (File.Exists(path) && new FileInfo(path).Length != validBytes)
        {
            LogWarningJournalTornTail(_logger, path, new FileInfo(path).Length - validBytes);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(validBytes);
            stream.Flush(flushToDisk: true);
        }
        lock (_gate)
        {
            foreach (var payload in records)
            {
                ReplayRecord(payload);
            }
            _durableSequence = _localSequence;
            _logStart = _localSequence + 1;
        }
        LogInformationRecovered(_logger, ReplicaId, _entries.Count, records.Count, _localSequence);
        if (validBytes > _options.JournalCompactionBytes)
        {
            CrdtJournal.Rewrite(directory, SnapshotForJournal());
        }
    }

    /// <summary>
    /// The journal as a snapshot: every replica's state, the markers of dropped keys, the delivered
    /// table and the local sequence. Taken under the lock, so it holds at least every record appended
    /// so far (their effects are applied before they are appended).
    /// </summary>
    private List<byte[]> SnapshotForJournal()
    {
        lock (_gate)
        {
            var snapshot = new List<byte[]>(_entries.Count + _dropped.Count + _delivered.Count + 1);
            foreach (var (key, entry) in _entries)
            {
                snapshot.Add(EncodeJournalState(new StateRecord(key, entry.Value.TypeName, entry.Version, entry.Value.Encode())));
            }
            foreach (var (key, dropped) in _dropped)
            {
                if (!_entries.ContainsKey(key))
                {
                    snapshot.Add(EncodeJournalDropped(key, dropped.Version, dropped.DroppedAtMs));
                }
            }
            foreach (var (origin, sequence) in _delivered)
            {
                snapshot.Add(EncodeJournalDelivered(origin, sequence));
            }
            snapshot.Add(EncodeJournalDelivered(ReplicaId, _localSequence));
            return snapshot;
        }
    }

    /// <summary>Applies one journal record; <paramref name="inBatch"/>: it is one of a received batch's records.</summary>
    private void ReplayRecord(byte[] payload, bool inBatch = false)
    {
        var r = new Reader(payload);
        ulong kind = 0, dot = 0, sequence = 0;
        long droppedAt = 0;
        string? key = null, type = null, origin = null;
        byte[]? bytes = null;
        CausalContext? version = null;
        List<byte[]>? batch = null;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: kind = ReplicationCodec.ReadUInt64(ref r, wireType); break;
                case 2: key = ReplicationCodec.ReadString(ref r, wireType); break;
                case 3: type = ReplicationCodec.ReadString(ref r, wireType); break;
                case 4: origin = ReplicationCodec.ReadString(ref r, wireType); break;
                case 5: dot = ReplicationCodec.ReadUInt64(ref r, wireType); break;
                case 6: sequence = ReplicationCodec.ReadUInt64(ref r, wireType); break;
                case 7: bytes = ReplicationCodec.ReadBytes(ref r, wireType); break;
                case 8: version = ReplicationCodec.ReadContext(ref r, wireType); break;
                case 9: droppedAt = ReplicationCodec.ReadInt64(ref r, wireType); break;
                case 10: (batch ??= []).Add(ReplicationCodec.ReadBytes(ref r, wireType)); break;
                default: r.SkipField(wireType); break;
            }
        }
        switch (kind)
        {
            // Only a batch's record may lack its bytes (a dot-only delta; a later record of the batch carries its effect).
            case ReplicationCodec.JournalUpdate when key is not null && type is not null && origin is not null && dot != 0 && (bytes is not null || inBatch):
            {
                MarkDeliveredLocked(origin, sequence);
                if (IsDroppedLocked(key, ContextOf(new Dot(origin, dot))))
                {
                    break;
                }
                var entry = GetOrCreate(key, type);
                if (bytes is not null)
                {
                    entry.Value.Merge(entry.Value.Decode(bytes, origin));
                }
                entry.Version.Add(new Dot(origin, dot));
                break;
            }
            case ReplicationCodec.JournalBatch when batch is not null && !inBatch:
                foreach (var record in batch)
                {
                    ReplayRecord(record, inBatch: true);
                }
                break;
            case ReplicationCodec.JournalState when key is not null && type is not null && bytes is not null && version is not null:
            {
                if (IsDroppedLocked(key, version))
                {
                    break;
                }
                var entry = GetOrCreate(key, type);
                entry.Value.Merge(entry.Value.Decode(bytes));
                entry.Version.Merge(version);
                break;
            }
            case ReplicationCodec.JournalDelivered when origin is not null:
                MarkDeliveredLocked(origin, sequence);
                break;
            case ReplicationCodec.JournalDropped when key is not null && version is not null:
                // A key written again after its drop has a version beyond the marker's: it stays.
                if (!_entries.TryGetValue(key, out var live) || version.Includes(live.Version))
                {
                    _entries.Remove(key);
                    _dropped[key] = new DroppedKey(version, droppedAt);
                }
                break;
            default:
                throw new CrdtStorageException($"The CRDT journal holds a record of unknown kind {kind} or missing fields: it was written by a newer version or is corrupt.");
        }
    }

    private void MarkDeliveredLocked(string origin, ulong sequence)
    {
        if (origin == ReplicaId)
        {
            _localSequence = Math.Max(_localSequence, sequence);
        }
        else if (sequence > _delivered.GetValueOrDefault(origin))
        {
            _delivered[origin] = sequence;
        }
    }

    private Task JournalAsync(List<byte[]> records)
    {
        if (_journal is not { } journal || records.Count == 0)
        {
            return Task.CompletedTask;
        }
        var appends = new Task[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            appends[i] = journal.AppendAsync(records[i], 0);
        }
        return Task.WhenAll(appends);
    }
}
