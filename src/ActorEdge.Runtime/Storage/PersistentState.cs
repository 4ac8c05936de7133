namespace ActorEdge.Runtime.Storage;

/// <summary>The activation's handle on a persistent state: read before activation, then on demand.</summary>
internal interface IPersistentStateBridge
{
    Task ReadAsync(CancellationToken cancellationToken);
}

/// <summary><see cref="IPersistentState{TState}"/> over a named <see cref="IGrainStorage"/>.</summary>
internal sealed class PersistentState<TState>(string stateName, GrainId grainId, IGrainStorage storage) : IPersistentState<TState>, IPersistentStateBridge
{
    private readonly GrainState<TState> _state = new(CreateDefault());

    public TState State
    {
        get => _state.State;
        set => _state.State = value;
    }

    public string? Etag => _state.ETag;

    public bool RecordExists => _state.RecordExists;

    public Task ReadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ReadStateAsync(stateName, grainId, _state, cancellationToken).ConfigureAwait(true);
        if (!_state.RecordExists)
        {
            _state.State = CreateDefault();
        }
    }

    public Task WriteStateAsync(CancellationToken cancellationToken = default) =>
        storage.WriteStateAsync(stateName, grainId, _state, cancellationToken);

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ClearStateAsync(stateName, grainId, _state, cancellationToken).ConfigureAwait(true);
        _state.State = CreateDefault();
    }

    // Once per activation, not per call: a state type's parameterless constructor gives the empty state.
    private static TState CreateDefault() =>
        typeof(TState).IsValueType || typeof(TState).GetConstructor(Type.EmptyTypes) is null ? default! : Activator.CreateInstance<TState>();
}
