using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>
/// This silo's replicas of CRDT states, keyed by storage key, and their replication to the other
/// silos: local updates become deltas with a per-origin sequence number; each peer link sends
/// the deltas its peer has not acknowledged, in order (the peer accepts a batch only if it
/// continues what it has, else answers what it has and the link resends or sends full state);
/// anti-entropy exchanges per-key version vectors with one peer at a time and repairs both
/// sides; a starting silo bootstraps from a neighbour; a journal keeps everything across restarts.
/// </summary>
internal sealed partial class CrdtReplicator : ISystemTarget, IHostedService, IAsyncDisposable, IDisposable
{
    /// <summary>The system target id of CRDT replication.</summary>
    public const uint TargetId = 0x4352;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ReplicaEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _delivered = new(StringComparer.Ordinal);
    private readonly List<DeltaRecord> _log = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ISiloMessenger _messenger;
    private readonly CrdtReplicationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _durableChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _logStart = 1;
    private ulong _localSequence;
    private ulong _durableSequence;
    private CrdtJournal? _journal;
    private Task? _maintenance;
    private int _disposed;

    public CrdtReplicator(ISiloMessenger messenger, ILocalSiloDetails silo, IOptions<CrdtReplicationOptions> options, IOptions<MessagingOptions> messaging, TimeProvider timeProvider, ILogger<CrdtReplicator> logger)
    {
        _messenger = messenger;
        _options = options.Value;
        PayloadLimit = Math.Max(0, messaging.Value.MaxMessageSize - CrdtReplicationOptions.TransportHeadroomBytes);
        _timeProvider = timeProvider;
        _logger = logger;
        Clock = new HybridLogicalClock(timeProvider);
        var node = silo.NodeName;
        ReplicaId = _options.JournalDirectory is { } directory
            ? CrdtJournal.LoadOrCreateReplicaId(directory, () => NewReplicaId(node))
            : NewReplicaId(node);
    }

    public uint Id => TargetId;

    /// <summary>This replica's id: stable across restarts when a journal is configured.</summary>
    public string ReplicaId { get; }

    public HybridLogicalClock Clock { get; }

    public CrdtTypeRegistry Types => _options.Types;

    /// <summary>Test hook: when set, replication with a silo for which it returns false fails both ways (a cut link).</summary>
    internal Func<SiloAddress, bool>? LinkFilter { get; set; }

    /// <summary>Test hook: when set, the links send no deltas (anti-entropy and requests still work).</summary>
    internal bool DeltaLinksPaused { get; set; }

    /// <summary>Test hook: when set, this replica starts no anti-entropy round (it still answers them).</summary>
    internal bool AntiEntropyPaused
    {
        get => Volatile.Read(ref _antiEntropyPaused) != 0;
        set => Interlocked.Exchange(ref _antiEntropyPaused, value ? 1 : 0);
    }

    private int _antiEntropyPaused;

    /// <summary>
    /// Test hook: whether an anti-entropy round started by this replica may still be running; once
    /// <see cref="AntiEntropyPaused"/> was set and this reads false, no round runs or will start.
    /// </summary>
    internal bool AntiEntropyRunning => Volatile.Read(ref _antiEntropyRunning) != 0;

    private int _antiEntropyRunning;

    /// <summary>Whether this replica tells its peers it takes dot-only deltas; false (test hook) answers as a silo of an earlier build.</summary>
    internal bool TakesDotOnly { get; set; } = true;

    internal ReplicationStats Stats { get; } = new();

    /// <summary>The last sequence number of this replica's own deltas.</summary>
    internal ulong LocalSequence
    {
        get
        {
            lock (_gate)
            {
                return _localSequence;
            }
        }
    }

    /// <summary>The sequence number up to which the deltas of <paramref name="origin"/> were delivered here, in order.</summary>
    internal ulong DeliveredFrom(string origin)
    {
        lock (_gate)
        {
            return _delivered.GetValueOrDefault(origin);
        }
    }

    /// <summary>
    /// The last of this replica's sequence numbers <paramref name="peer"/> answered delivered (and, with a
    /// journal, durable there); null until the peer has answered.
    /// </summary>
    internal ulong? AcknowledgedBy(SiloAddress peer)
    {
        lock (_gate)
        {
            return _links.TryGetValue(peer, out var link) ? link.Acknowledged : null;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.JournalDirectory is { } directory)
        {
            RecoverFromJournal(directory);
            var file = new FileInfo(Path.Combine(directory, "replicas.journal"));
            _journal = CrdtJournal.Open(directory, file.Exists ? file.Length : 0, OnDurable, SnapshotForJournal, _options.JournalCompactionBytes, e => LogWarningCompactionFailed(_logger, e), OnJournalFailed);
        }
        _started.TrySetResult();
        _maintenance = Task.Run(() => MaintenanceLoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        List<PeerLink> links;
        lock (_gate)
        {
            links = [.. _links.Values];
            _links.Clear();
        }
        foreach (var link in links)
        {
            link.Stop();
        }
        try
        {
            await Task.WhenAll(links.Select(l => l.Loop).Append(_maintenance ?? Task.CompletedTask)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (_journal is { } journal)
        {
            _journal = null;
            await journal.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Hosts dispose their services synchronously too; stopping is quick (links and the journal loop end at once).
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (!_stopping.IsCancellationRequested || _journal is not null)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies a local update to <paramref name="key"/>: <paramref name="mutate"/> sees the state
    /// and its version, mutates the state and returns the delta (null for no change; throwing
    /// changes nothing). Completes once the update is durable; returns the new version. A delta
    /// too large for one replication message is refused with <see cref="CrdtStorageException"/>
    /// and changes nothing either.
    /// </summary>
    public async Task<CausalContext> UpdateAsync<T>(string key, Func<T, CausalContext, T?> mutate) where T : class, ICrdt<T>
    {
        ThrowIfInsideRead();
        await _started.Task.ConfigureAwait(false);
        var type = Types.NameOf<T>();
        Task? appended = null;
        CausalContext version;
        ulong sequence;
        lock (_gate)
        {
            ThrowIfJournalFailed();
            var existed = _entries.ContainsKey(key);
            _dropped.TryGetValue(key, out var dropped);
            var entry = GetOrCreate(key, type);
            var crdt = ((ReplicatedValue<T>)entry.Value).Crdt;
            // Refusing an oversized delta needs the state as it was. Splitting it instead would need every
            // CRDT type to split its deltas, and full sync sends states whole anyway. A type that tracks its
            // changes undoes only what the mutator touched; any other is copied whole before it runs.
            var revertible = crdt as IRevertibleCrdt;
            var before = revertible is null ? crdt.Clone() : null;
            revertible?.TrackChanges();
            byte[] bytes;
            long wall;
            bool wholeState;
            try
            {
                var delta = mutate(crdt, entry.Version);
                if (delta is null)
                {
                    revertible?.AcceptChanges();
                    return entry.Version.Clone();
                }
                wholeState = crdt is IWholeStateDelta<T> whole && whole.IsWholeState(delta);
                bytes = CrdtSerializer.SerializeToArray(delta, ReplicaId);
                wall = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
                var bound = DeltaWireBound(new DeltaRecord(0, key, type, 0, bytes, wall));
                if (bound > RecordBudget)
                {
                    throw new CrdtStorageException(
                        $"The update of '{key}' was refused: its delta is {bytes.Length} bytes ({bound} with its key and framing), more than the {RecordBudget} bytes one replication message can carry (MessagingOptions.MaxMessageSize minus {CrdtReplicationOptions.TransportHeadroomBytes} bytes of headroom). The state is unchanged; store less in one state, or raise MessagingOptions.MaxMessageSize on every silo.");
                }
            }
            catch
            {
                // A mutator that throws (a stale ETag, a bad argument), a delta that cannot be encoded or is
                // too large: the update changes nothing, not even a new key.
                revertible?.RejectChanges();
                RestoreLocked(key, existed ? entry : null, before is null ? null : new ReplicatedValue<T>(type, before), dropped);
                throw;
            }
            revertible?.AcceptChanges();
            var dot = entry.Version.NextDot(ReplicaId);
            entry.Version.Add(dot);
            sequence = ++_localSequence;
            entry.LastLocalSequence = sequence;
            var record = new DeltaRecord(sequence, key, type, dot.Counter, bytes, wall, wholeState);
            _log.Add(record);
            if (_log.Count > _options.DeltaLogCapacity)
            {
                _log.RemoveAt(0);
                _logStart++;
            }
            CrdtInstruments.DeltaBytes.Record(record.Delta.Length);
            if (CrdtInstruments.StateBytes.Enabled)
            {
                CrdtInstruments.StateBytes.Record(entry.Value.Encode().Length);
            }
            Stats.RecordUpdate(record.Delta.Length);
            version = entry.Version.Clone();
            // Queued under the lock, in the order of the sequence numbers: the journal reports the
            // highest sequence of each group commit durable, which holds only if none before it is
            // still to be written (two updates queued out of order would let the later one's commit
            // vouch for the earlier one).
            if (_journal is { } journal)
            {
                appended = journal.AppendAsync(EncodeJournalUpdates([record], ReplicaId), sequence);
            }
            else
            {
                _durableSequence = sequence;
            }
            SignalChangedLocked();
        }
        if (appended is not null)
        {
            await appended.ConfigureAwait(false);
        }
        else
        {
            SignalLinks();
        }
        return version;
    }

    /// <summary>A copy of the state of <paramref name="key"/> and its version, or false when this replica has none.</summary>
    public bool TryRead<T>(string key, out T state, out CausalContext version) where T : class, ICrdt<T>
    {
        ThrowIfInsideRead();
        ThrowIfJournalFailed();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Value is ReplicatedValue<T> typed)
            {
                state = typed.Crdt.Clone();
                version = entry.Version.Clone();
                return true;
            }
        }
        state = null!;
        version = null!;
        return false;
    }

    /// <summary>Reads the state of <paramref name="key"/> under the replica's lock (no copy): <paramref name="read"/> must not keep it.</summary>
    public TResult Read<T, TResult>(string key, Func<T?, CausalContext?, TResult> read) where T : class, ICrdt<T>
    {
        ThrowIfInsideRead();
        ThrowIfJournalFailed();
        lock (_gate)
        {
            t_insideRead = true;
            try
            {
                return _entries.TryGetValue(key, out var entry) && entry.Value is ReplicatedValue<T> typed
                    ? read(typed.Crdt, entry.Version)
                    : read(null, null);
            }
            finally
            {
                t_insideRead = false;
            }
        }
    }

    // Set while a read function runs under the replicator's lock: an update or read from inside it
    // would mutate the state being read, or wait for a journal that needs this lock (a deadlock).
    [ThreadStatic]
    private static bool t_insideRead;

    private static void ThrowIfInsideRead()
    {
        if (t_insideRead)
        {
            throw new InvalidOperationException("A CRDT read function (ICrdtState.Read) may not read or update CRDT state: it runs under the replicas' lock. Return what you need from it, then act.");
        }
    }

    /// <summary>The version of <paramref name="key"/> on this replica (empty when it has none).</summary>
    public CausalContext VersionOf(string key)
    {
        ThrowIfJournalFailed();
        lock (_gate)
        {
            return KnownVersionLocked(key)?.Clone() ?? new CausalContext();
        }
    }

    /// <summary>
    /// Waits until this replica's version of <paramref name="key"/> includes <paramref name="target"/>
    /// (asking every peer for what it lacks at once), or throws <see cref="CrdtCatchUpTimeoutException"/>.
    /// </summary>
    public async Task WaitForVersionAsync(string key, CausalContext target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var refresh = Task.CompletedTask;
        long refreshedAt = 0;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                // A stopped replica takes no grain: its memory may be ahead of what it could write.
                ThrowIfJournalFailed();
                if ((KnownVersionLocked(key) ?? new CausalContext()).Includes(target))
                {
                    return;
                }
                changed = _changed.Task;
            }
            var remaining = timeout - _timeProvider.GetElapsedTime(started);
            // Ask every peer for this key at once, and again every anti-entropy interval while it is
            // missing: a peer that gets it later (from a link that is slow or cut) then supplies it.
            if (refresh.IsCompleted && (refreshedAt == 0 || _timeProvider.GetElapsedTime(refreshedAt) >= _options.AntiEntropyInterval) && remaining > TimeSpan.Zero)
            {
                refreshedAt = _timeProvider.GetTimestamp();
                refresh = RefreshQuietlyAsync(key, remaining, cancellationToken);
            }
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }
                var wait = remaining < _options.AntiEntropyInterval ? remaining : _options.AntiEntropyInterval;
                try
                {
                    await changed.WaitAsync(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException) when (wait < remaining)
                {
                    // Not the deadline: look again, and refresh.
                }
            }
            catch (TimeoutException)
            {
                CausalContext have;
                lock (_gate)
                {
                    have = KnownVersionLocked(key)?.Clone() ?? new CausalContext();
                }
                var missing = string.Join(", ", have.Missing(target).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value} update(s) from replica {p.Key}"));
                throw new CrdtCatchUpTimeoutException(
                    $"The replica of '{key}' on replica {ReplicaId} did not catch up with version {target} within {timeout}: it has {have} and still misses {missing}. The replicas holding them may be unreachable.");
            }
        }
    }

    private async Task RefreshQuietlyAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(key, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The wait decides (and times out with what is missing); a failed ask only costs time.
            LogDebugRefreshFailed(_logger, key, e.Message);
        }
    }

    private ReplicaEntry GetOrCreate(string key, string type)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry.Value.TypeName == type
                ? entry
                : throw new CrdtStorageException($"'{key}' holds a CRDT of type '{entry.Value.TypeName}', not '{type}'.");
        }
        if (!Types.TryCreate(type, out var value))
        {
            throw new CrdtStorageException($"CRDT type '{type}' of '{key}' is not registered on replica {ReplicaId}.");
        }
        // A dropped key written again continues its dots (reusing one would make peers skip the update).
        // Its marker may hold dots of this replica whose updates are not known apart: a hand-over of
        // the key waits, to be safe, for every local update so far to be durable.
        var dropped = _dropped.Remove(key, out var marker) ? marker : null;
        entry = new ReplicaEntry(value, dropped is null ? new CausalContext() : dropped.Version.Clone()) { LastLocalSequence = dropped is null ? 0 : _localSequence };
        _entries[key] = entry;
        return entry;
    }

    /// <summary>
    /// Undoes a refused local mutation: the entry gets its value back (a copy taken before; null when
    /// the value undid its changes itself), or a new entry goes (with the dropped-key marker it replaced).
    /// </summary>
    private void RestoreLocked(string key, ReplicaEntry? existing, IReplicatedValue? before, DroppedKey? dropped)
    {
        if (existing is null)
        {
            _entries.Remove(key);
            if (dropped is not null)
            {
                _dropped[key] = dropped;
            }
            return;
        }
        if (before is not null)
        {
            _entries[key] = new ReplicaEntry(before, existing.Version) { PeerVersions = existing.PeerVersions, LastLocalSequence = existing.LastLocalSequence };
        }
    }

    private void SignalChangedLocked()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>
    /// Once the journal has stopped, the replica serves nothing: its memory may hold updates that
    /// were never written (the one whose write failed, deltas received with it), which a restart
    /// would lose, so nobody must read them. A restart replays what was written.
    /// </summary>
    private void ThrowIfJournalFailed()
    {
        if (_journal?.Failure is { } failure)
        {
            throw new CrdtStorageException($"CRDT replica {ReplicaId} stopped: {failure.Message}", failure);
        }
    }

    private void OnJournalFailed(CrdtStorageException failure)
    {
        LogErrorJournalFailed(_logger, ReplicaId, failure);
        lock (_gate)
        {
            // Wakes whoever waits for updates to become durable: none will now.
            var durableChanged = _durableChanged;
            _durableChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            durableChanged.TrySetResult();
            SignalChangedLocked();
        }
    }

    private void OnDurable(ulong sequence)
    {
        lock (_gate)
        {
            if (sequence > _durableSequence)
            {
                _durableSequence = sequence;
            }
            var durableChanged = _durableChanged;
            _durableChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            durableChanged.TrySetResult();
        }
        SignalLinks();
    }

    private static string NewReplicaId(string node) => $"{node}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";

    private sealed class ReplicaEntry(IReplicatedValue value, CausalContext version)
    {
        public IReplicatedValue Value { get; } = value;

        public CausalContext Version { get; } = version;

        /// <summary>The local sequence number of this replica's last update of the key (0: none since the start).</summary>
        public ulong LastLocalSequence { get; set; }

        /// <summary>For a tombstone: the version each peer's last digest reported (key GC).</summary>
        public Dictionary<SiloAddress, CausalContext>? PeerVersions { get; set; }
    }
}

/// <summary>Counters of one replicator (tests and benchmarks read them; the Meter has the same data).</summary>
internal sealed class ReplicationStats
{
    private long _deltaBatches, _updates, _deltaBytes, _deltaBytesSent, _fullBytesSent, _digestBytesSent, _gaps, _fullSyncs, _bootstrappedKeys, _droppedKeys,
        _fullSyncRequests, _bootstrapRequests, _sendFailures;

    /// <summary>Requests of full syncs (a full sync larger than one message takes several), answered or not.</summary>
    public long FullSyncRequests => Interlocked.Read(ref _fullSyncRequests);

    /// <summary>Bootstrap requests answered (one per page of states).</summary>
    public long BootstrapRequests => Interlocked.Read(ref _bootstrapRequests);

    /// <summary>Link exchanges (delta batches, full syncs) that failed: the link then starts a new session.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public void RecordFullSyncRequest() => Interlocked.Increment(ref _fullSyncRequests);

    public void RecordBootstrapRequest() => Interlocked.Increment(ref _bootstrapRequests);

    public void RecordSendFailure() => Interlocked.Increment(ref _sendFailures);

    private long _dotOnlySent;

    /// <summary>Deltas sent as their dot alone, a later whole-state delta of their key in the same batch carrying them.</summary>
    public long DotOnlySent => Interlocked.Read(ref _dotOnlySent);

    public void RecordDotOnlySent(int deltas)
    {
        if (deltas > 0)
        {
            Interlocked.Add(ref _dotOnlySent, deltas);
            CrdtInstruments.DotOnlySent.Add(deltas);
        }
    }

    private long _handOverStates, _handOverStateBytes;

    /// <summary>States a migration's hand-over carried because the target might lack them.</summary>
    public long HandOverStates => Interlocked.Read(ref _handOverStates);

    public long HandOverStateBytes => Interlocked.Read(ref _handOverStateBytes);

    public void RecordHandOverState(int bytes)
    {
        Interlocked.Increment(ref _handOverStates);
        Interlocked.Add(ref _handOverStateBytes, bytes);
    }

    /// <summary>Cleared keys dropped by key GC.</summary>
    public long DroppedKeys => Interlocked.Read(ref _droppedKeys);

    public void RecordDropped(int keys)
    {
        Interlocked.Add(ref _droppedKeys, keys);
        CrdtInstruments.KeysDropped.Add(keys);
    }

    public long Updates => Interlocked.Read(ref _updates);

    public long DeltaBytes => Interlocked.Read(ref _deltaBytes);

    public long DeltaBytesSent => Interlocked.Read(ref _deltaBytesSent);

    /// <summary>Requests that carried deltas to a peer, answered or not.</summary>
    public long DeltaBatchesSent => Interlocked.Read(ref _deltaBatches);

    public long FullBytesSent => Interlocked.Read(ref _fullBytesSent);

    public long DigestBytesSent => Interlocked.Read(ref _digestBytesSent);

    public long Gaps => Interlocked.Read(ref _gaps);

    public long FullSyncs => Interlocked.Read(ref _fullSyncs);

    /// <summary>Keys received when this replica bootstrapped from a neighbour.</summary>
    public long BootstrappedKeys => Interlocked.Read(ref _bootstrappedKeys);

    public void RecordBootstrap(int keys) => Interlocked.Add(ref _bootstrappedKeys, keys);

    public void RecordUpdate(int deltaBytes)
    {
        Interlocked.Increment(ref _updates);
        Interlocked.Add(ref _deltaBytes, deltaBytes);
    }

    public void RecordSent(string kind, int bytes)
    {
        switch (kind)
        {
            case "delta": Interlocked.Add(ref _deltaBytesSent, bytes); Interlocked.Increment(ref _deltaBatches); break;
            case "full": Interlocked.Add(ref _fullBytesSent, bytes); Interlocked.Increment(ref _fullSyncs); break;
            default: Interlocked.Add(ref _digestBytesSent, bytes); break;
        }
        CrdtInstruments.BytesSent.Add(bytes, new KeyValuePair<string, object?>("kind", kind));
    }

    public void RecordGap()
    {
        Interlocked.Increment(ref _gaps);
        CrdtInstruments.Gaps.Add(1);
    }
}
