using System.Diagnostics;
using ActorEdge.Serialization;
using static ActorEdge.Runtime.Diagnostics.ActorEdgeInstruments;

namespace ActorEdge.Runtime.Storage;

/// <summary>The activation's handle on a persistent state: read before activation, then on demand; carried by migration.</summary>
internal interface IPersistentStateBridge : IGrainMigrationParticipant
{
    Task ReadAsync(CancellationToken cancellationToken);

    /// <summary>Whether <see cref="IGrainMigrationParticipant.OnRehydrate"/> restored the state (so it must not be read again).</summary>
    bool Rehydrated { get; }

    string StateName { get; }

    /// <summary>The name the provider is registered under (the same on every silo).</summary>
    string StorageName { get; }

    /// <summary>The provider's part in migration, when it takes one.</summary>
    IGrainStorageMigration? StorageMigration { get; }

    string? Etag { get; }

    bool RecordExists { get; }
}

/// <summary><see cref="IPersistentState{TState}"/> over a named <see cref="IGrainStorage"/>.</summary>
/// <param name="stateName">The state's name within the grain.</param>
/// <param name="grainId">The grain.</param>
/// <param name="storageName">The name the provider is registered under.</param>
/// <param name="storage">The provider.</param>
/// <param name="migrationKey">
/// The key of this state in a migration context: unique within the activation (the order of
/// creation is part of it, so two handles on one state name do not collide).
/// </param>
internal sealed class PersistentState<TState>(string stateName, GrainId grainId, string storageName, IGrainStorage storage, string migrationKey) : IPersistentState<TState>, IPersistentStateBridge
{
    public string StateName => stateName;

    public string StorageName => storageName;

    public IGrainStorageMigration? StorageMigration => storage as IGrainStorageMigration;

    private readonly GrainState<TState> _state = new(CreateDefault());

    public TState State
    {
        get => _state.State;
        set => _state.State = value;
    }

    public string? Etag => _state.ETag;

    public bool RecordExists => _state.RecordExists;

    public bool Rehydrated { get; private set; }

    public Task ReadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var start = MeasureStart();
        await Measured(storage.ReadStateAsync(stateName, grainId, _state, cancellationToken), start, "read").ConfigureAwait(true);
        if (!_state.RecordExists)
        {
            _state.State = CreateDefault();
        }
    }

    public Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var start = MeasureStart();
        return Measured(storage.WriteStateAsync(stateName, grainId, _state, cancellationToken), start, "write");
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        var start = MeasureStart();
        await Measured(storage.ClearStateAsync(stateName, grainId, _state, cancellationToken), start, "clear").ConfigureAwait(true);
        _state.State = CreateDefault();
    }

    // The latency per provider is recorded only while someone listens: no timestamps or tags otherwise.
    private static long MeasureStart() => StorageDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    private Task Measured(Task operation, long start, string name) => start == 0 ? operation : MeasureAsync(operation, start, name);

    private async Task MeasureAsync(Task operation, long start, string name)
    {
        var outcome = "error";
        try
        {
            await operation.ConfigureAwait(true);
            outcome = "ok";
        }
        finally
        {
            StorageDuration.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                new KeyValuePair<string, object?>("provider", storageName),
                new KeyValuePair<string, object?>("operation", name),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>
    /// State, ETag and whether the record exists travel together, so the ETag stays valid at the
    /// store; unless the provider moves the stored record itself, and the target reads that.
    /// </summary>
    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        if (StorageMigration is { TransfersRecord: true })
        {
            return;
        }
        using var buffer = new PooledBuffer();
        var w = new Writer(buffer);
        Codec<TState>.Instance.Write(ref w, 1, _state.State);
        if (_state.ETag is { } etag)
        {
            w.WriteFieldHeader(2, WireType.LengthPrefixed);
            w.WriteUtf8(etag);
        }
        w.WriteFieldHeader(3, WireType.VarInt);
        w.WriteVarUInt32(_state.RecordExists ? 1u : 0u);
        w.Commit();
        dehydrationContext.AddBytes(migrationKey, buffer.WrittenSpan);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (!rehydrationContext.TryGetBytes(migrationKey, out var bytes))
        {
            return;
        }
        var r = new Reader(bytes.Span);
        var state = CreateDefault();
        string? etag = null;
        var exists = false;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: state = Codec<TState>.Instance.Read(ref r, wireType); break;
                case 2: etag = r.ReadUtf8(); break;
                case 3: exists = r.ReadVarUInt32() != 0; break;
                default: r.SkipField(wireType); break;
            }
        }
        _state.State = state;
        _state.ETag = etag;
        _state.RecordExists = exists;
        Rehydrated = true;
    }

    // Once per activation, not per call: a state type's parameterless constructor gives the empty state.
    private static TState CreateDefault() =>
        typeof(TState).IsValueType || typeof(TState).GetConstructor(Type.EmptyTypes) is null ? default! : Activator.CreateInstance<TState>();
}
