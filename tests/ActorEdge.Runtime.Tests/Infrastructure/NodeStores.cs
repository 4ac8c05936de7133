using System.Buffers.Binary;
using System.Collections.Concurrent;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Tests.Infrastructure;

/// <summary>
/// One in-memory store per silo whose records move with their grain (the shape of a Reactive
/// provider), with counters and switches to exercise the runtime's side of the storage migration
/// protocol. The real node-local providers have their own suites; this one isolates the runtime.
/// </summary>
internal sealed class NodeStores
{
    private readonly ConcurrentDictionary<int, NodeStore> _stores = new();

    public NodeStore For(int silo) => _stores.GetOrAdd(silo, static i => new NodeStore(i));

    /// <summary>The silos whose store holds a record of <paramref name="grainId"/>.</summary>
    public int[] Holders(GrainId grainId) => _stores.Values.Where(s => s.Holds(grainId)).Select(s => s.Silo).Order().ToArray();

    public int Exports => _stores.Values.Sum(s => s.Exports);

    public int Imports => _stores.Values.Sum(s => s.Imports);

    public int Completes => _stores.Values.Sum(s => s.Completes);
}

internal sealed class NodeStore(int silo) : IGrainStorage, IGrainStorageMigration
{
    private readonly ConcurrentDictionary<(GrainId, string), (byte[] Bytes, long Version)> _records = new();
    private int _exports, _imports, _completes;

    public int Silo => silo;

    public int Exports => Volatile.Read(ref _exports);

    public int Imports => Volatile.Read(ref _imports);

    public int Completes => Volatile.Read(ref _completes);

    /// <summary>When set, imports throw (the target refuses the hand-over).</summary>
    public bool FailImports { get; set; }

    /// <summary>When set, exports throw (a silo asked for a record cannot answer).</summary>
    public bool FailExports { get; set; }

    /// <summary>When set, imports wait for it.</summary>
    public TaskCompletionSource? ImportGate { get; set; }

    /// <summary>Completes when an import starts waiting on <see cref="ImportGate"/>.</summary>
    public TaskCompletionSource ImportStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, preparations (on this silo as the source) wait for it; one that faults fails the preparation.</summary>
    public TaskCompletionSource? PrepareGate { get; set; }

    /// <summary>When set, preparations wait for <see cref="PrepareGate"/> even when cancelled (a provider that ignores its token).</summary>
    public bool PrepareIgnoresCancellation { get; set; }

    /// <summary>The preparations asked of this store (as the source), with their target.</summary>
    public ConcurrentQueue<SiloAddress> Prepared { get; } = new();

    public bool TransfersRecord => true;

    public async Task PrepareAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        Prepared.Enqueue(migration.Target);
        if (PrepareGate is { } gate)
        {
            await (PrepareIgnoresCancellation ? gate.Task : gate.Task.WaitAsync(cancellationToken));
        }
    }

    public string ExportComponent => "flush";

    public string ImportComponent => "import";

    public bool Holds(GrainId grainId) => _records.Keys.Any(k => k.Item1.Equals(grainId));

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        if (_records.TryGetValue((grainId, stateName), out var record))
        {
            grainState.State = Serializer.Deserialize<TState>(record.Bytes)!;
            grainState.ETag = record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            var stored = _records.TryGetValue((grainId, stateName), out var record) ? record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            if (stored != grainState.ETag)
            {
                throw new InconsistentStateException("stale", stored, grainState.ETag);
            }
            var version = record.Version + 1;
            _records[(grainId, stateName)] = (Serializer.SerializeToArray(grainState.State), version);
            grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        _records.TryRemove((grainId, stateName), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        if (FailExports)
        {
            throw new InvalidOperationException($"store of silo {silo} is unavailable");
        }
        Interlocked.Increment(ref _exports);
        if (!_records.TryGetValue((migration.GrainId, migration.StateName), out var record))
        {
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }
        var bytes = new byte[8 + record.Bytes.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, record.Version);
        record.Bytes.CopyTo(bytes, 8);
        return Task.FromResult<ReadOnlyMemory<byte>>(bytes);
    }

    public async Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        if (FailImports)
        {
            throw new InvalidOperationException($"store of silo {silo} refuses imports");
        }
        if (ImportGate is { } gate)
        {
            ImportStarted.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
        }
        Interlocked.Increment(ref _imports);
        if (exported.IsEmpty)
        {
            _records.TryRemove((migration.GrainId, migration.StateName), out _);
            return;
        }
        _records[(migration.GrainId, migration.StateName)] = (exported[8..].ToArray(), BinaryPrimitives.ReadInt64LittleEndian(exported.Span));
    }

    public Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _completes);
        _records.TryRemove((migration.GrainId, migration.StateName), out _);
        return Task.CompletedTask;
    }
}
