namespace ActorEdge.Runtime.Tests.Migration;

/// <summary>Grain storage that counts reads before delegating (a migrated activation must not read).</summary>
internal sealed class CountingStorage(IGrainStorage inner) : IGrainStorage
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken);
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default) =>
        inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken);

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default) =>
        inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken);
}
