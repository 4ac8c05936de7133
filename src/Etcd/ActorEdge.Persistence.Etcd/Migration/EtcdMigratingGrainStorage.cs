using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>
/// An <see cref="EtcdGrainStorage"/> that takes part in live migration: reads, writes and clears
/// go to the storage unchanged, the <see cref="IGrainStorageMigration"/> steps are the mode's.
/// Separate from the storage so that a provider in <see cref="EtcdMigrationMode.None"/> does not
/// implement the contract at all (the runtime then hands over the state with its ETag alone).
/// </summary>
internal abstract class EtcdMigratingGrainStorage(EtcdGrainStorage storage) : IGrainStorage, IGrainStorageMigration, IAsyncDisposable, IDisposable
{
    /// <summary>The storage the records live in.</summary>
    internal EtcdGrainStorage Storage { get; } = storage;

    public abstract bool TransfersRecord { get; }

    public abstract string ExportComponent { get; }

    public abstract string ImportComponent { get; }

    public virtual Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default) =>
        Storage.ReadStateAsync(stateName, grainId, grainState, cancellationToken);

    public virtual Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default) =>
        Storage.WriteStateAsync(stateName, grainId, grainState, cancellationToken);

    public virtual Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default) =>
        Storage.ClearStateAsync(stateName, grainId, grainState, cancellationToken);

    public virtual Task PrepareAsync(StateMigration migration, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken);

    public abstract Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken);

    public abstract Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken);

    public ValueTask DisposeAsync() => Storage.DisposeAsync();

    public void Dispose() => Storage.Dispose();

    /// <summary>Creates the provider for <paramref name="storage"/>'s mode: the storage itself when it does not migrate.</summary>
    internal static IGrainStorage For(EtcdGrainStorage storage, ILogger logger, TimeProvider timeProvider) => storage.Options.Migration switch
    {
        EtcdMigrationMode.NodeLocal => new EtcdNodeLocalMigration(storage, logger),
        EtcdMigrationMode.Replicated => new EtcdReplicatedMigration(storage, logger, timeProvider),
        _ => storage,
    };
}
