using System.Text;
using ActorEdge.Crdt;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

internal sealed partial class CrdtReplicator
{
    public async ValueTask<ReadOnlyMemory<byte>> HandleAsync(SiloAddress? sender, uint method, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _started.Task.ConfigureAwait(false);
        // A stopped replica takes nothing (it could not journal it) and gives nothing (it may hold what was never written).
        ThrowIfJournalFailed();
        if (sender is not null && LinkFilter is { } filter && !filter(sender))
        {
            throw new CrdtStorageException($"Replication from {sender} is cut (test hook).");
        }
        if (sender is not null && (!InScope(sender) || !InScope(_messenger.LocalSilo)))
        {
            // Scopes may differ between silos (a rolling change): never take or give state outside this silo's own.
            throw new CrdtStorageException($"Replication from {sender} refused: it is outside the replication scope of {_messenger.LocalSilo}.");
        }
        return method switch
        {
            ReplicationCodec.MethodDeltas => await ReceiveDeltasAsync(sender, payload).ConfigureAwait(false),
            ReplicationCodec.MethodFullSync => await ReceiveFullSyncAsync(payload).ConfigureAwait(false),
            ReplicationCodec.MethodDigest => await AnswerDigestAsync(sender, payload).ConfigureAwait(false),
            ReplicationCodec.MethodPushStates => await ReceiveStatesAsync(payload).ConfigureAwait(false),
            ReplicationCodec.MethodBootstrap => await AnswerBootstrapAsync(payload).ConfigureAwait(false),
            _ => throw new CrdtStorageException($"Unknown CRDT replication method {method}."),
        };
    }

    /// <summary>
    /// A batch of one origin's deltas, numbered from field 2. It is applied only if it continues
    /// what this replica delivered from that origin (duplicates inside are skipped); the answer is
    /// the origin's delivered sequence, which tells the sender what to send next. A batch of a link
    /// session (field 4) names its origin (field 1) and wall-clock base (field 5) only when the
    /// session starts, and its keys by number once defined; a batch of a session this replica does
    /// not know (it restarted, or a request was lost) is answered "unknown session" (field 2) and
    /// the sender starts a new one.
    /// </summary>
    internal Task<ReadOnlyMemory<byte>> ReceiveDeltasAsync(ReadOnlyMemory<byte> payload) => ReceiveDeltasAsync(null, payload);

    internal async Task<ReadOnlyMemory<byte>> ReceiveDeltasAsync(SiloAddress? sender, ReadOnlyMemory<byte> payload)
    {
        string? origin = null;
        ulong first = 0;
        ulong? session = null;
        long wallBase = 0;
        var wire = new List<WireDelta>();
        var reader = new Reader(payload.Span);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: origin = ReplicationCodec.ReadString(ref reader, wireType); break;
                case 2: first = ReplicationCodec.ReadUInt64(ref reader, wireType); break;
                case 3: wire.Add(ReplicationCodec.ReadWireDelta(ref reader, wireType, payload)); break;
                case 4: session = ReplicationCodec.ReadUInt64(ref reader, wireType); break;
                case 5: wallBase = ReplicationCodec.ReadInt64(ref reader, wireType); break;
                default: reader.SkipField(wireType); break;
            }
        }
        if ((origin is null && session is null) || (wire.Count > 0 && first == 0))
        {
            throw new SerializationException("A delta batch lacks its origin (or session) or first sequence number.");
        }
        var records = new List<DeltaRecord>(wire.Count);
        if (session is { } id)
        {
            lock (_gate)
            {
                if (!TryResolveSessionLocked(sender, id, origin, wallBase, wire, first, records, out origin))
                {
                    return ReplicationCodec.Encode(static (ref Writer w) => ReplicationCodec.WriteUInt64(ref w, 2, 1));
                }
            }
        }
        else
        {
            foreach (var delta in wire)
            {
                records.Add(new DeltaRecord(first + (ulong)records.Count, delta.Key ?? throw new SerializationException("A delta outside a session lacks its key."), delta.Type!, delta.DotCounter, delta.Delta, delta.Wall, DotOnly: delta.DotOnly));
            }
        }
        ArgumentNullException.ThrowIfNull(origin);
        CheckDotOnlyCarried(records);

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var applied = new List<DeltaRecord>();
        ulong delivered;
        Task durable;
        lock (_gate)
        {
            delivered = _delivered.GetValueOrDefault(origin);
            if (records.Count > 0 && first > delivered + 1)
            {
                Stats.RecordGap();
                LogDebugGap(_logger, origin, delivered, first);
            }
            else
            {
                // Decode everything first: a corrupt delta rejects the batch and changes nothing.
                var decoded = new List<(DeltaRecord Record, ReplicaEntry Entry, object? Delta)>();
                var skipped = new List<ulong>();
                foreach (var record in records)
                {
                    if (record.Sequence <= delivered)
                    {
                        continue;
                    }
                    if (IsDroppedLocked(record.Key, ContextOf(new Dot(origin, record.DotCounter))))
                    {
                        // An update from before the key was dropped (it was cleared after it): delivered, not applied.
                        skipped.Add(record.Sequence);
                        continue;
                    }
                    var entry = GetOrCreate(record.Key, record.Type);
                    decoded.Add((record, entry, record.DotOnly ? null : entry.Value.Decode(record.Delta.Span, origin)));
                }
                foreach (var (record, entry, delta) in decoded)
                {
                    // A dot-only record's effect comes with a later record of its key, applied in this same step.
                    if (delta is not null)
                    {
                        entry.Value.Merge(delta);
                    }
                    entry.Version.Add(new Dot(origin, record.DotCounter));
                    Clock.Observe(new HlcTimestamp(record.WallMilliseconds, 0));
                    CrdtInstruments.ReplicationLag.Record(Math.Max(0, now - record.WallMilliseconds));
                    applied.Add(record);
                    delivered = record.Sequence;
                }
                if (skipped.Count > 0 && skipped[^1] > delivered)
                {
                    delivered = skipped[^1];
                }
                if (decoded.Count > 0 || skipped.Count > 0)
                {
                    _delivered[origin] = delivered;
                    SignalChangedLocked();
                }
            }
            // Acknowledge only what is durable: a crash before then makes the origin resend. One journal
            // record for the batch, so a torn write never keeps a dot without the record that carries its
            // effect. Queued under the lock, as every append that advances a delivered sequence: an answer
            // that covers records another request applied (a resend while that one's write is still on its
            // way to disk) waits for everything queued so far, so it never vouches for them early.
            durable = _journal is not { } journal ? Task.CompletedTask
                : applied.Count > 0 ? journal.AppendAsync(EncodeJournalUpdates(applied, origin), 0)
                : journal.WhenWritten();
        }
        await durable.ConfigureAwait(false);
        return EncodeDelivered(delivered);
    }

    /// <summary>Refuses a batch in which a dot-only record is not followed by a record of its key that carries bytes.</summary>
    private static void CheckDotOnlyCarried(List<DeltaRecord> records)
    {
        HashSet<string>? waiting = null;
        foreach (var record in records)
        {
            if (record.DotOnly)
            {
                (waiting ??= new HashSet<string>(StringComparer.Ordinal)).Add(record.Key);
            }
            else
            {
                waiting?.Remove(record.Key);
            }
        }
        if (waiting is { Count: > 0 })
        {
            throw new SerializationException($"A delta batch sends '{waiting.First()}' as its dot alone, but no later delta of the key in the batch carries its effect.");
        }
    }

    /// <summary>
    /// A page of an origin's full state (field 2, whole states). Only the last page carries the
    /// sequence number the states cover (field 3): the origin is marked delivered up to it then, and
    /// not before, since earlier pages hold only some of the states.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> ReceiveFullSyncAsync(ReadOnlyMemory<byte> payload)
    {
        string? origin = null;
        ulong? sequence = null;
        var states = new List<StateRecord>();
        var reader = new Reader(payload.Span);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: origin = ReplicationCodec.ReadString(ref reader, wireType); break;
                case 2: states.Add(ReplicationCodec.ReadState(ref reader, wireType)); break;
                case 3: sequence = ReplicationCodec.ReadUInt64(ref reader, wireType); break;
                default: reader.SkipField(wireType); break;
            }
        }
        if (origin is null)
        {
            throw new SerializationException("A full sync lacks its origin.");
        }
        var journal = MergeStates(states);
        ulong delivered;
        Task durable;
        lock (_gate)
        {
            if (sequence is { } upTo)
            {
                // The origin's state at 'upTo' holds every delta it made up to there.
                MarkDeliveredLocked(origin, upTo);
                if (_journal is not null)
                {
                    journal.Add(EncodeJournalDelivered(origin, upTo));
                }
            }
            delivered = _delivered.GetValueOrDefault(origin);
            // Queued under the lock with the delivered mark, as delta batches are (see ReceiveDeltasAsync).
            durable = JournalAsync(journal);
        }
        await durable.ConfigureAwait(false);
        return EncodeDelivered(delivered);
    }

    private async Task<ReadOnlyMemory<byte>> AnswerDigestAsync(SiloAddress? sender, ReadOnlyMemory<byte> payload)
    {
        var digest = new Dictionary<string, CausalContext>(StringComparer.Ordinal);
        var onlyListed = false;
        string? from = null, to = null;
        var reader = new Reader(payload.Span);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 3)
            {
                // A read repair lists the keys it asks about; the rest of this replica is not wanted.
                onlyListed = ReplicationCodec.ReadUInt64(ref reader, wireType) != 0;
                continue;
            }
            if (field is 4 or 5)
            {
                // A page of a digest: only this replica's keys in [from, to) are compared.
                var bound = ReplicationCodec.ReadString(ref reader, wireType);
                (from, to) = field == 4 ? (bound, to) : (from, bound);
                continue;
            }
            if (field != 2)
            {
                reader.SkipField(wireType);
                continue;
            }
            reader.EnterObject(wireType);
            string? key = null;
            CausalContext? version = null;
            while (reader.TryReadFieldHeader(out var inner, out var innerType))
            {
                switch (inner)
                {
                    case 1: key = ReplicationCodec.ReadString(ref reader, innerType); break;
                    case 2: version = ReplicationCodec.ReadContext(ref reader, innerType); break;
                    default: reader.SkipField(innerType); break;
                }
            }
            digest[key ?? throw new SerializationException("A digest entry lacks its key.")] = version ?? new CausalContext();
        }

        // The answer stays within the transport's limit: states past it are repaired in later rounds
        // (the peer's next digest lists the ones it got), and so are wanted keys past it.
        var budget = RecordBudget;
        var theirs = new List<byte[]>();
        var wanted = new List<string>();
        ulong upTo;
        lock (_gate)
        {
            foreach (var (key, entry) in _entries)
            {
                var inRange = (from is null || string.CompareOrdinal(key, from) >= 0) && (to is null || string.CompareOrdinal(key, to) < 0);
                if (digest.TryGetValue(key, out var version) ? !version.Includes(entry.Version) : !onlyListed && inRange)
                {
                    var state = new StateRecord(key, entry.Value.TypeName, entry.Version.Clone(), entry.Value.Encode());
                    var encoded = EncodeState(1, state);
                    if (encoded.Length > RecordBudget)
                    {
                        SkipOversizedState(state, encoded.Length);
                    }
                    else if (encoded.Length <= budget)
                    {
                        theirs.Add(encoded);
                        budget -= encoded.Length;
                    }
                }
            }
            foreach (var (key, version) in digest)
            {
                NotePeerVersionLocked(sender, key, version);
                var known = KnownVersionLocked(key);
                var size = Encoding.UTF8.GetMaxByteCount(key.Length) + RecordOverheadBytes;
                if ((known is null ? !version.IsEmpty : !known.Includes(version)) && size <= budget)
                {
                    wanted.Add(key);
                    budget -= size;
                }
            }
            upTo = _localSequence;
        }
        await WaitDurableAsync(upTo).ConfigureAwait(false);
        return ReplicationCodec.Encode((ref Writer w) =>
        {
            WritePieces(ref w, theirs);
            foreach (var key in wanted)
            {
                ReplicationCodec.WriteString(ref w, 2, key);
            }
        });
    }

    private async Task<ReadOnlyMemory<byte>> ReceiveStatesAsync(ReadOnlyMemory<byte> payload)
    {
        var states = new List<StateRecord>();
        var reader = new Reader(payload.Span);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 2)
            {
                states.Add(ReplicationCodec.ReadState(ref reader, wireType));
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        await JournalAsync(MergeStates(states)).ConfigureAwait(false);
        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>
    /// A page of this replica's states for a bootstrapping silo: the keys after the request's cursor
    /// (field 2; none on the first page) in ordinal order, whole, as many as fit in one message
    /// (field 2), the delivered table on the first page only (field 3), and the key to continue after
    /// when more remain (field 4).
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> AnswerBootstrapAsync(ReadOnlyMemory<byte> payload)
    {
        string? after = null;
        var reader = new Reader(payload.Span);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 2)
            {
                after = ReplicationCodec.ReadString(ref reader, wireType);
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        var page = new List<byte[]>();
        byte[] delivered = [];
        string? next = null;
        ulong upTo;
        lock (_gate)
        {
            var keys = new List<string>();
            foreach (var key in _entries.Keys)
            {
                if (after is null || string.CompareOrdinal(key, after) > 0)
                {
                    keys.Add(key);
                }
            }
            keys.Sort(StringComparer.Ordinal);
            if (after is null)
            {
                delivered = ReplicationCodec.Encode((ref Writer w) =>
                {
                    foreach (var (origin, sequence) in _delivered)
                    {
                        ReplicationCodec.WriteDelivered(ref w, 3, origin, sequence);
                    }
                    ReplicationCodec.WriteDelivered(ref w, 3, ReplicaId, _localSequence);
                });
            }
            var budget = PayloadLimit - (long)delivered.Length - RecordOverheadBytes;
            for (var i = 0; i < keys.Count; i++)
            {
                var key = keys[i];
                var entry = _entries[key];
                var encoded = EncodeState(2, new StateRecord(key, entry.Value.TypeName, entry.Version.Clone(), entry.Value.Encode()));
                // Room for this key as the continuation key too, should it be the page's last.
                var room = budget - Encoding.UTF8.GetMaxByteCount(key.Length);
                if (encoded.Length > room)
                {
                    if (i == 0)
                    {
                        // Nothing can be sent past it: the bootstrapping silo is told why, and asks again later.
                        throw StateTooLarge(key, encoded.Length, room);
                    }
                    next = keys[i - 1];
                    break;
                }
                page.Add(encoded);
                budget -= encoded.Length;
            }
            upTo = _localSequence;
        }
        await WaitDurableAsync(upTo).ConfigureAwait(false);
        return ReplicationCodec.Encode((ref Writer w) =>
        {
            WritePieces(ref w, page);
            w.WriteRaw(delivered);
            if (next is not null)
            {
                ReplicationCodec.WriteString(ref w, 4, next);
            }
        });
    }

    /// <summary>Merges full states (decoding all first); returns their journal records.</summary>
    private List<byte[]> MergeStates(List<StateRecord> states)
    {
        var journal = new List<byte[]>();
        lock (_gate)
        {
            var decoded = new List<(StateRecord State, ReplicaEntry Entry, object Value)>();
            foreach (var state in states)
            {
                if (IsDroppedLocked(state.Key, state.Version))
                {
                    continue;
                }
                var entry = GetOrCreate(state.Key, state.Type);
                decoded.Add((state, entry, entry.Value.Decode(state.State)));
            }
            var changed = false;
            foreach (var (state, entry, value) in decoded)
            {
                if (entry.Version.Includes(state.Version))
                {
                    continue;
                }
                entry.Value.Merge(value);
                entry.Version.Merge(state.Version);
                changed = true;
                if (_journal is not null)
                {
                    journal.Add(EncodeJournalState(state));
                }
            }
            if (changed)
            {
                SignalChangedLocked();
            }
        }
        return journal;
    }

    /// <summary>Every state, the delivered table (this replica's own sequence included) and the local sequence they cover.</summary>
    private (List<StateRecord> States, List<(string, ulong)> Delivered, ulong UpTo) SnapshotAll()
    {
        lock (_gate)
        {
            var states = new List<StateRecord>(_entries.Count);
            foreach (var (key, entry) in _entries)
            {
                states.Add(new StateRecord(key, entry.Value.TypeName, entry.Version.Clone(), entry.Value.Encode()));
            }
            var delivered = new List<(string, ulong)>(_delivered.Count + 1);
            foreach (var (origin, sequence) in _delivered)
            {
                delivered.Add((origin, sequence));
            }
            delivered.Add((ReplicaId, _localSequence));
            return (states, delivered, _localSequence);
        }
    }

    /// <summary>
    /// Waits until local updates up to <paramref name="sequence"/> are in the journal: state sent
    /// to peers must never hold a local update a crash could lose (its dot would be reused).
    /// </summary>
    private async Task WaitDurableAsync(ulong sequence)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_durableSequence >= sequence)
                {
                    return;
                }
                ThrowIfJournalFailed();
                changed = _durableChanged.Task;
            }
            await changed.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves a session batch's key numbers (recording the definitions it carries, in order,
    /// even if its deltas are then refused as a gap); false when the session or a number is unknown.
    /// </summary>
    private bool TryResolveSessionLocked(SiloAddress? sender, ulong id, string? origin, long wallBase, List<WireDelta> wire, ulong first, List<DeltaRecord> records, out string resolvedOrigin)
    {
        resolvedOrigin = null!;
        if (sender is null)
        {
            return false;
        }
        if (origin is not null)
        {
            _inbound[sender] = new InboundSession(id, origin, wallBase);
        }
        if (!_inbound.TryGetValue(sender, out var inbound) || inbound.Id != id)
        {
            return false;
        }
        foreach (var delta in wire)
        {
            var number = delta.KeyNumber ?? ulong.MaxValue;
            if (delta.Key is not null)
            {
                if (number > (ulong)inbound.Keys.Count)
                {
                    return false;
                }
                if (number == (ulong)inbound.Keys.Count)
                {
                    inbound.Keys.Add((delta.Key, delta.Type!));
                }
                else
                {
                    inbound.Keys[(int)number] = (delta.Key, delta.Type!);
                }
            }
            else if (number >= (ulong)inbound.Keys.Count)
            {
                return false;
            }
            var (key, type) = inbound.Keys[(int)number];
            records.Add(new DeltaRecord(first + (ulong)records.Count, key, type, delta.DotCounter, delta.Delta, inbound.WallBase + delta.Wall, DotOnly: delta.DotOnly));
        }
        resolvedOrigin = inbound.Origin;
        return true;
    }

    /// <summary>The answer to a batch: the origin's delivered sequence, and whether this replica takes dot-only deltas (field 3).</summary>
    private byte[] EncodeDelivered(ulong delivered) => ReplicationCodec.Encode((ref Writer w) =>
    {
        ReplicationCodec.WriteUInt64(ref w, 1, delivered);
        if (TakesDotOnly)
        {
            ReplicationCodec.WriteUInt64(ref w, 3, 1);
        }
    });
}
