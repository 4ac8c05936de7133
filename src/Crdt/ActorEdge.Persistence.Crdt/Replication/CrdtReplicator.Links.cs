using System.Text;
using ActorEdge.Crdt;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

internal sealed partial class CrdtReplicator
{
    /// <summary>A link session stops numbering keys past this many and starts over (bounds both sides' tables).</summary>
    private const int MaxSessionKeys = 65_536;

    private readonly Dictionary<SiloAddress, PeerLink> _links = [];
    private readonly Dictionary<SiloAddress, InboundSession> _inbound = [];
    private int _antiEntropyTurn;

    /// <summary>Whether this replica has bootstrapped from a neighbour (or found none to ask).</summary>
    internal bool Bootstrapped { get; private set; }

    /// <summary>The peers this replica currently replicates with.</summary>
    internal IReadOnlyList<SiloAddress> Peers
    {
        get
        {
            lock (_gate)
            {
                return [.. _links.Keys];
            }
        }
    }

    /// <summary>
    /// Follows membership (a link per peer in scope, started and stopped as silos join and die),
    /// bootstraps from a neighbour once, and runs anti-entropy with one peer per interval.
    /// </summary>
    private async Task MaintenanceLoopAsync(CancellationToken cancellationToken)
    {
        var bootstrapped = false;
        var nextAntiEntropy = _timeProvider.GetTimestamp();
        var nextGarbageCollection = nextAntiEntropy;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // A stopped replica sends nothing: its digests and states may hold what it could not write.
                if (_messenger.IsStarted && _journal?.Failure is null)
                {
                    var peers = RefreshLinks();
                    if (!bootstrapped)
                    {
                        bootstrapped = await BootstrapAsync(peers, cancellationToken).ConfigureAwait(false);
                        Bootstrapped = bootstrapped;
                    }
                    // Marked running before the pause is read (both full fences), so a test that pauses
                    // and then sees no round running knows none will start.
                    Interlocked.Exchange(ref _antiEntropyRunning, 1);
                    try
                    {
                        if (peers.Count > 0 && !AntiEntropyPaused && _timeProvider.GetElapsedTime(nextAntiEntropy) >= TimeSpan.Zero)
                        {
                            nextAntiEntropy = _timeProvider.GetTimestamp() + (long)(_options.AntiEntropyInterval.TotalSeconds * _timeProvider.TimestampFrequency);
                            var peer = peers[(int)((uint)Interlocked.Increment(ref _antiEntropyTurn) % (uint)peers.Count)];
                            await TryAntiEntropyAsync(peer, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        Interlocked.Exchange(ref _antiEntropyRunning, 0);
                    }
                    if (_timeProvider.GetElapsedTime(nextGarbageCollection) >= TimeSpan.Zero)
                    {
                        nextGarbageCollection = _timeProvider.GetTimestamp() + (long)(_options.AntiEntropyInterval.TotalSeconds * _timeProvider.TimestampFrequency);
                        await CollectGarbageAsync().ConfigureAwait(false);
                    }
                }
                await Task.Delay(_options.SendInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWarningMaintenanceFailed(_logger, e);
            }
        }
    }

    private List<SiloAddress> RefreshLinks()
    {
        var self = _messenger.LocalSilo;
        var desired = new List<SiloAddress>();
        // A silo outside its own scope keeps its replicas to itself.
        if (InScope(self))
        {
            foreach (var silo in _messenger.ActiveSilos)
            {
                if (!silo.Equals(self) && InScope(silo))
                {
                    desired.Add(silo);
                }
            }
        }
        List<PeerLink>? stopped = null;
        lock (_gate)
        {
            foreach (var silo in desired)
            {
                if (!_links.ContainsKey(silo))
                {
                    var link = new PeerLink(silo);
                    _links[silo] = link;
                    link.Loop = Task.Run(() => LinkLoopAsync(link), CancellationToken.None);
                    LogInformationPeerAdded(_logger, ReplicaId, silo);
                }
            }
            foreach (var (silo, link) in _links)
            {
                if (!desired.Contains(silo))
                {
                    (stopped ??= []).Add(link);
                }
            }
            if (stopped is not null)
            {
                foreach (var link in stopped)
                {
                    _links.Remove(link.Silo);
                    LogInformationPeerRemoved(_logger, ReplicaId, link.Silo);
                }
            }
        }
        if (stopped is not null)
        {
            foreach (var link in stopped)
            {
                link.Stop();
            }
        }
        return desired;
    }

    private bool InScope(SiloAddress silo) => _options.ReplicationScope is not { } scope || scope(silo);

    private void SignalLinks()
    {
        lock (_gate)
        {
            foreach (var link in _links.Values)
            {
                link.Signal();
            }
        }
    }

    /// <summary>Sends this replica's deltas to one peer, in order, until it has them all; retries every send interval on failure.</summary>
    private async Task LinkLoopAsync(PeerLink link)
    {
        var token = link.Token;
        while (!token.IsCancellationRequested)
        {
            bool more;
            try
            {
                more = await SendOnceAsync(link, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    link.Acknowledged = null;
                }
                // The peer may not have seen the key numbers of the failed request: start a new session.
                link.ResetSession();
                Stats.RecordSendFailure();
                LogDebugSendFailed(_logger, link.Silo, e.Message);
                more = false;
            }
            if (!more)
            {
                try
                {
                    await link.WaitAsync(_options.SendInterval, _timeProvider).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One exchange with the peer; returns whether more is left to send.</summary>
    private async Task<bool> SendOnceAsync(PeerLink link, CancellationToken cancellationToken)
    {
        ulong? acknowledged;
        List<DeltaRecord>? batch = null;
        HashSet<int>? dotOnly = null;
        var fullSync = false;
        ulong first;
        lock (_gate)
        {
            // Read under the lock: a test that pauses the links and then updates knows no batch takes that update.
            if (DeltaLinksPaused || _journal?.Failure is not null)
            {
                return false;
            }
            acknowledged = link.Acknowledged;
            first = (acknowledged ?? _durableSequence) + 1;
            if (acknowledged is { } acked && acked < _durableSequence)
            {
                if (acked + 1 < _logStart)
                {
                    fullSync = true;
                }
                else
                {
                    (batch, dotOnly) = TakeBatchLocked((int)(acked + 1 - _logStart), (int)Math.Min((ulong)_options.MaxBatchSize, _durableSequence - acked), link.TakesDotOnly);
                }
            }
        }
        if (acknowledged is not null && batch is null && !fullSync)
        {
            return false;
        }
        if (fullSync)
        {
            await SendFullSyncAsync(link, cancellationToken).ConfigureAwait(false);
            return true;
        }

        // With nothing known about the peer, an empty batch asks it what it has delivered.
        var records = batch ?? [];
        if (link.Session == 0 || link.KeyNumbers.Count > MaxSessionKeys)
        {
            link.StartSession(records.Count > 0 ? records[0].WallMilliseconds : _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        }
        var starts = !link.SessionConfirmed;
        // Up to a megabyte used once: from the pool, back once sent.
        using var payload = ReplicationCodec.EncodePooled((ref Writer w) =>
        {
            ReplicationCodec.WriteUInt64(ref w, 4, link.Session);
            if (starts)
            {
                ReplicationCodec.WriteString(ref w, 1, ReplicaId);
                w.WriteFieldHeader(5, WireType.VarInt);
                w.WriteVarInt64(link.WallBase);
            }
            ReplicationCodec.WriteUInt64(ref w, 2, first);
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                var defines = !link.KeyNumbers.TryGetValue(record.Key, out var number);
                if (defines)
                {
                    number = (ulong)link.KeyNumbers.Count;
                    link.KeyNumbers[record.Key] = number;
                }
                ReplicationCodec.WriteSessionDelta(ref w, 3, record, number, defines, link.WallBase, dotOnly?.Contains(i) == true);
            }
        });
        var response = await SendAsync(link.Silo, ReplicationCodec.MethodDeltas, payload.WrittenMemory, records.Count > 0 ? "delta" : "digest", cancellationToken).ConfigureAwait(false);
        var (delivered, unknownSession, takesDotOnly) = ReadDelivered(response);
        if (unknownSession)
        {
            link.ResetSession();
            return true;
        }
        link.SessionConfirmed = true;
        link.TakesDotOnly = takesDotOnly;
        Stats.RecordDotOnlySent(dotOnly?.Count ?? 0);
        lock (_gate)
        {
            link.Acknowledged = delivered;
            TrimLogLocked();
            return delivered < _durableSequence;
        }
    }

    /// <summary>
    /// The logged deltas from index <paramref name="start"/> that one request carries: at most
    /// <paramref name="count"/> and MaxBatchBytes, and within the transport's limit (the first always
    /// goes: a larger one was refused when written). A delta followed in the batch by a whole-state
    /// delta of its key goes as its dot alone (the indices returned), since that later delta includes
    /// it; it then counts only its framing against the limits. Only to a peer that said it takes such
    /// deltas (<paramref name="coalesce"/>): a silo of an earlier build would refuse the batch.
    /// </summary>
    private (List<DeltaRecord> Batch, HashSet<int>? DotOnly) TakeBatchLocked(int start, int count, bool coalesce)
    {
        var budget = RecordBudget;
        var batch = new List<DeltaRecord>(count);
        HashSet<int>? dotOnly = null;
        // Per key, the records of the batch that still carry their bytes (only kept when coalescing).
        var carriers = coalesce ? new Dictionary<string, List<int>>(StringComparer.Ordinal) : null;
        // Long sums: MaxBatchBytes may be near int.MaxValue.
        long bytes = 0, wire = 0;
        for (var i = 0; i < count; i++)
        {
            var next = _log[start + i];
            long freed = 0;
            var superseded = next.WholeState && carriers is not null && carriers.TryGetValue(next.Key, out var earlier) ? earlier : null;
            if (superseded is not null)
            {
                foreach (var index in superseded)
                {
                    freed += batch[index].Delta.Length;
                }
            }
            if (i > 0 && (bytes + next.Delta.Length - freed > _options.MaxBatchBytes || wire + DeltaWireBound(next) - freed > budget))
            {
                break;
            }
            if (superseded is not null)
            {
                (dotOnly ??= []).UnionWith(superseded);
                superseded.Clear();
            }
            bytes += next.Delta.Length - freed;
            wire += DeltaWireBound(next) - freed;
            if (carriers is not null)
            {
                if (!carriers.TryGetValue(next.Key, out var own))
                {
                    carriers[next.Key] = own = [];
                }
                own.Add(i);
            }
            batch.Add(next);
        }
        return (batch, dotOnly);
    }

    /// <summary>
    /// Sends every state to the peer, in requests of whole states each within the transport's limit.
    /// Only the last carries the sequence number the states cover: the peer merges earlier pages as they
    /// come (joins, harmless alone) but marks this replica delivered only with the last; a sync cut short
    /// is started over.
    /// </summary>
    private async Task SendFullSyncAsync(PeerLink link, CancellationToken cancellationToken)
    {
        var (states, _, upTo) = SnapshotAll();
        await WaitDurableAsync(upTo).ConfigureAwait(false);
        var pages = PageStates(states, 2, RecordBudget);
        LogInformationFullSync(_logger, ReplicaId, link.Silo, states.Count, pages.Count);
        byte[] response = [];
        for (var i = 0; i < pages.Count; i++)
        {
            var page = pages[i];
            var last = i == pages.Count - 1;
            var payload = ReplicationCodec.Encode((ref Writer w) =>
            {
                ReplicationCodec.WriteString(ref w, 1, ReplicaId);
                WritePieces(ref w, page);
                if (last)
                {
                    ReplicationCodec.WriteUInt64(ref w, 3, upTo);
                }
            });
            Stats.RecordFullSyncRequest();
            response = await SendAsync(link.Silo, ReplicationCodec.MethodFullSync, payload, "full", cancellationToken).ConfigureAwait(false);
        }
        var (delivered, _, _) = ReadDelivered(response);
        lock (_gate)
        {
            link.Acknowledged = delivered;
        }
    }

    /// <summary>Drops logged deltas every peer has acknowledged.</summary>
    private void TrimLogLocked()
    {
        var minimum = _durableSequence;
        foreach (var link in _links.Values)
        {
            if (link.Acknowledged is not { } acked)
            {
                return;
            }
            minimum = Math.Min(minimum, acked);
        }
        if (minimum >= _logStart)
        {
            var drop = (int)Math.Min((ulong)_log.Count, minimum - _logStart + 1);
            _log.RemoveRange(0, drop);
            _logStart += (ulong)drop;
        }
    }

    /// <summary>
    /// Exchanges digests with <paramref name="peer"/>: takes the states it has that this replica
    /// lacks, and pushes back the ones it lacks. The digest goes in pages, each within the transport's
    /// limit and covering a range of keys (in ordinal order), so the peer compares only its own keys
    /// in that range; together the ranges cover every key.
    /// </summary>
    internal async Task AntiEntropyAsync(SiloAddress peer, CancellationToken cancellationToken)
    {
        var digest = new List<(string Key, ActorEdge.Crdt.CausalContext Version)>();
        lock (_gate)
        {
            foreach (var (key, entry) in _entries)
            {
                digest.Add((key, entry.Version.Clone()));
            }
            // Dropped keys too: a peer still holding the key cleared sees this replica has it at that version, and drops it as well.
            foreach (var (key, dropped) in _dropped)
            {
                if (!_entries.ContainsKey(key))
                {
                    digest.Add((key, dropped.Version.Clone()));
                }
            }
        }
        digest.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        // Room for the two range bounds (at most the longest key each) beside the entries.
        var longest = 0;
        foreach (var (key, _) in digest)
        {
            longest = Math.Max(longest, key.Length);
        }
        var budget = RecordBudget - 2 * ((long)Encoding.UTF8.GetMaxByteCount(longest) + RecordOverheadBytes);
        var page = new List<byte[]>();
        long used = 0;
        string? from = null;
        foreach (var (key, version) in digest)
        {
            var entry = ReplicationCodec.Encode((ref Writer w) =>
            {
                w.WriteStartObject(2);
                ReplicationCodec.WriteString(ref w, 1, key);
                ReplicationCodec.WriteContext(ref w, 2, version);
                w.WriteEndObject();
            });
            if (page.Count > 0 && used + entry.Length > budget)
            {
                await ExchangeDigestPageAsync(peer, page, from, key, cancellationToken).ConfigureAwait(false);
                (page, used, from) = ([], 0, key);
            }
            page.Add(entry);
            used += entry.Length;
        }
        await ExchangeDigestPageAsync(peer, page, from, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of an anti-entropy round: the digest of the keys in [<paramref name="from"/>, <paramref name="to"/>) (null: unbounded).</summary>
    private async Task ExchangeDigestPageAsync(SiloAddress peer, List<byte[]> entries, string? from, string? to, CancellationToken cancellationToken)
    {
        var payload = ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, ReplicaId);
            WritePieces(ref w, entries);
            if (from is not null)
            {
                ReplicationCodec.WriteString(ref w, 4, from);
            }
            if (to is not null)
            {
                ReplicationCodec.WriteString(ref w, 5, to);
            }
        });
        var response = await SendAsync(peer, ReplicationCodec.MethodDigest, payload, "digest", cancellationToken).ConfigureAwait(false);
        var states = new List<StateRecord>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Reader(response);
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: states.Add(ReplicationCodec.ReadState(ref reader, wireType)); break;
                case 2: wanted.Add(ReplicationCodec.ReadString(ref reader, wireType)); break;
                default: reader.SkipField(wireType); break;
            }
        }
        if (states.Count > 0)
        {
            LogDebugRepaired(_logger, ReplicaId, peer, states.Count);
        }
        await JournalAsync(MergeStates(states)).ConfigureAwait(false);
        if (wanted.Count == 0)
        {
            return;
        }
        var push = new List<StateRecord>();
        ulong upTo;
        lock (_gate)
        {
            foreach (var key in wanted)
            {
                if (_entries.TryGetValue(key, out var entry))
                {
                    push.Add(new StateRecord(key, entry.Value.TypeName, entry.Version.Clone(), entry.Value.Encode()));
                }
            }
            upTo = _localSequence;
        }
        await WaitDurableAsync(upTo).ConfigureAwait(false);
        foreach (var pushPage in PageStates(push, 2, RecordBudget, SkipOversizedState))
        {
            if (pushPage.Count == 0)
            {
                continue;
            }
            var pushPayload = ReplicationCodec.Encode((ref Writer w) =>
            {
                ReplicationCodec.WriteString(ref w, 1, ReplicaId);
                WritePieces(ref w, pushPage);
            });
            await SendAsync(peer, ReplicationCodec.MethodPushStates, pushPayload, "full", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Read repair: asks every peer for its copy of <paramref name="key"/> (a digest of that key
    /// only) and merges the newer ones, waiting at most <paramref name="timeout"/>; peers that do
    /// not answer in time are skipped (a read must not wait for an unreachable silo).
    /// </summary>
    public async Task RefreshAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _started.Task.ConfigureAwait(false);
        if (timeout <= TimeSpan.Zero || !_messenger.IsStarted)
        {
            return;
        }
        // From the membership view (links may not exist yet right after start).
        var peers = new List<SiloAddress>();
        var self = _messenger.LocalSilo;
        if (InScope(self))
        {
            foreach (var silo in _messenger.ActiveSilos)
            {
                if (!silo.Equals(self) && InScope(silo))
                {
                    peers.Add(silo);
                }
            }
        }
        CausalContext version;
        lock (_gate)
        {
            version = KnownVersionLocked(key)?.Clone() ?? new CausalContext();
        }
        if (peers.Count == 0)
        {
            return;
        }
        var payload = ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, ReplicaId);
            w.WriteStartObject(2);
            ReplicationCodec.WriteString(ref w, 1, key);
            ReplicationCodec.WriteContext(ref w, 2, version);
            w.WriteEndObject();
            ReplicationCodec.WriteUInt64(ref w, 3, 1);
        });
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        bound.CancelAfter(timeout);
        var fetches = new Task[peers.Count];
        for (var i = 0; i < peers.Count; i++)
        {
            fetches[i] = FetchAsync(peers[i]);
        }
        await Task.WhenAll(fetches).ConfigureAwait(false);

        async Task FetchAsync(SiloAddress peer)
        {
            try
            {
                var response = await SendAsync(peer, ReplicationCodec.MethodDigest, payload, "digest", bound.Token).ConfigureAwait(false);
                var states = new List<StateRecord>();
                var reader = new Reader(response);
                while (reader.TryReadFieldHeader(out var field, out var wireType))
                {
                    if (field == 1)
                    {
                        states.Add(ReplicationCodec.ReadState(ref reader, wireType));
                    }
                    else
                    {
                        reader.SkipField(wireType);
                    }
                }
                await JournalAsync(MergeStates(states)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogDebugSendFailed(_logger, peer, e.Message);
            }
        }
    }

    private async Task TryAntiEntropyAsync(SiloAddress peer, CancellationToken cancellationToken)
    {
        try
        {
            await AntiEntropyAsync(peer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDebugSendFailed(_logger, peer, e.Message);
        }
    }

    /// <summary>
    /// Takes the state of the first neighbour that answers, with its delivered table (so deltas continue
    /// from there). The states come in pages (each within the transport's limit, keys in ordinal order,
    /// the next asked for after the last key of the previous); the delivered table comes with the first
    /// page, so it covers no more than any page holds, and is applied only once every page is merged.
    /// </summary>
    private async Task<bool> BootstrapAsync(List<SiloAddress> peers, CancellationToken cancellationToken)
    {
        if (peers.Count == 0)
        {
            return true;
        }
        foreach (var peer in peers)
        {
            var delivered = new List<(string Replica, ulong Sequence)>();
            var keys = 0;
            try
            {
                string? after = null;
                do
                {
                    var cursor = after;
                    var request = ReplicationCodec.Encode((ref Writer w) =>
                    {
                        ReplicationCodec.WriteString(ref w, 1, ReplicaId);
                        if (cursor is not null)
                        {
                            ReplicationCodec.WriteString(ref w, 2, cursor);
                        }
                    });
                    var response = await SendAsync(peer, ReplicationCodec.MethodBootstrap, request, "digest", cancellationToken).ConfigureAwait(false);
                    Stats.RecordBootstrapRequest();
                    var states = new List<StateRecord>();
                    after = null;
                    var reader = new Reader(response);
                    while (reader.TryReadFieldHeader(out var field, out var wireType))
                    {
                        switch (field)
                        {
                            case 2: states.Add(ReplicationCodec.ReadState(ref reader, wireType)); break;
                            case 3 when cursor is null: delivered.Add(ReplicationCodec.ReadDelivered(ref reader, wireType)); break;
                            case 4: after = ReplicationCodec.ReadString(ref reader, wireType); break;
                            default: reader.SkipField(wireType); break;
                        }
                    }
                    keys += states.Count;
                    await JournalAsync(MergeStates(states)).ConfigureAwait(false);
                }
                while (after is not null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Pages merged so far are joins and stay; the delivered table is not taken from a bootstrap cut short.
                LogDebugSendFailed(_logger, peer, e.Message);
                continue;
            }
            var journal = new List<byte[]>();
            Task durable;
            lock (_gate)
            {
                foreach (var (replica, sequence) in delivered)
                {
                    if (replica != ReplicaId)
                    {
                        MarkDeliveredLocked(replica, sequence);
                        if (_journal is not null)
                        {
                            journal.Add(EncodeJournalDelivered(replica, sequence));
                        }
                    }
                }
                // Queued under the lock with the delivered marks, as delta batches are (see ReceiveDeltasAsync).
                durable = JournalAsync(journal);
            }
            await durable.ConfigureAwait(false);
            Stats.RecordBootstrap(keys);
            LogInformationBootstrapped(_logger, ReplicaId, peer, keys);
            return true;
        }
        return false;
    }

    private async Task<byte[]> SendAsync(SiloAddress peer, uint method, ReadOnlyMemory<byte> payload, string kind, CancellationToken cancellationToken)
    {
        if (LinkFilter is { } filter && !filter(peer))
        {
            throw new CrdtStorageException($"Replication to {peer} is cut (test hook).");
        }
        Stats.RecordSent(kind, payload.Length);
        return await _messenger.SendAsync(peer, TargetId, method, payload, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    private static (ulong Delivered, bool UnknownSession, bool TakesDotOnly) ReadDelivered(byte[] response)
    {
        var reader = new Reader(response);
        ulong delivered = 0;
        bool unknownSession = false, takesDotOnly = false;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: delivered = ReplicationCodec.ReadUInt64(ref reader, wireType); break;
                case 2: unknownSession = ReplicationCodec.ReadUInt64(ref reader, wireType) != 0; break;
                case 3: takesDotOnly = ReplicationCodec.ReadUInt64(ref reader, wireType) != 0; break;
                default: reader.SkipField(wireType); break;
            }
        }
        return (delivered, unknownSession, takesDotOnly);
    }

    /// <summary>What this replica knows of a peer's link session: its origin, wall-clock base and key numbers.</summary>
    private sealed class InboundSession(ulong id, string origin, long wallBase)
    {
        public ulong Id { get; } = id;

        public string Origin { get; } = origin;

        public long WallBase { get; } = wallBase;

        public List<(string Key, string Type)> Keys { get; } = [];
    }

    /// <summary>The replication state of one peer.</summary>
    private sealed class PeerLink(SiloAddress silo)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _signal = new(0, 1);

        public SiloAddress Silo { get; } = silo;

        /// <summary>The last of this replica's sequence numbers the peer has delivered; null when unknown.</summary>
        public ulong? Acknowledged { get; set; }

        /// <summary>
        /// The link session (0: none): the peer learns this replica's id and each key once per
        /// session, then gets key numbers. Used by the link loop only. Any failed request starts a new
        /// session, so the peer has seen every definition a session's later batches rely on.
        /// </summary>
        public ulong Session { get; private set; }

        /// <summary>Whether the peer has answered a batch of the session (it then knows the origin and wall-clock base).</summary>
        public bool SessionConfirmed { get; set; }

        /// <summary>Whether the peer's last answer said it takes deltas sent as their dot alone (a silo of an earlier build does not).</summary>
        public bool TakesDotOnly { get; set; }

        public long WallBase { get; private set; }

        public Dictionary<string, ulong> KeyNumbers { get; } = new(StringComparer.Ordinal);

        public void StartSession(long wallBase)
        {
            Session = ((ulong)(uint)Random.Shared.Next(1, int.MaxValue) << 1) | 1;
            SessionConfirmed = false;
            WallBase = wallBase;
            KeyNumbers.Clear();
        }

        /// <summary>Ends the session (a failed request, or a peer that lost it): what the peer said of itself is asked again.</summary>
        public void ResetSession()
        {
            Session = 0;
            TakesDotOnly = false;
        }

        public Task Loop { get; set; } = Task.CompletedTask;

        public CancellationToken Token => _stop.Token;

        public void Signal()
        {
            if (_signal.CurrentCount == 0)
            {
                try
                {
                    _signal.Release();
                }
                catch (SemaphoreFullException)
                {
                }
            }
        }

        public async Task WaitAsync(TimeSpan interval, TimeProvider timeProvider)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(interval);
            try
            {
                await _signal.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
            }
        }

        public void Stop() => _stop.Cancel();
    }
}
