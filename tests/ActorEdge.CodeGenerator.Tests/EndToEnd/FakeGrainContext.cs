namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

internal sealed class FakeGrainContext(GrainId grainId, Dictionary<Type, object> services) : IGrainContext, IServiceProvider
{
    public GrainId GrainId { get; } = grainId;

    public SiloAddress Silo { get; } = SiloAddress.Parse("127.0.0.1:11111@1");

    public IServiceProvider ActivationServices => this;

    public IGrainFactory GrainFactory { get; } = new NoGrainFactory();

    public object? GrainInstance => null;

    public List<(string StateName, string? StorageName)> StatesRequested { get; } = [];

    public void DeactivateOnIdle() => throw new NotSupportedException();

    public void DelayDeactivation(TimeSpan timeSpan) => throw new NotSupportedException();

    public IPersistentState<TState> GetPersistentState<TState>(string stateName, string? storageName)
    {
        StatesRequested.Add((stateName, storageName));
        return new FakePersistentState<TState>(stateName, storageName);
    }

    public IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);

    private sealed class NoGrainFactory : IGrainFactory
    {
        public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
            where TGrainInterface : IGrainWithStringKey => throw new NotSupportedException();

        public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey)
            where TGrainInterface : IGrainWithGuidKey => throw new NotSupportedException();

        public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
            where TGrainInterface : IGrainWithIntegerKey => throw new NotSupportedException();

        public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
            where TGrainInterface : IGrain => throw new NotSupportedException();
    }
}

internal sealed class FakePersistentState<TState>(string stateName, string? storageName) : IPersistentState<TState>
{
    public string StateName { get; } = stateName;

    public string? StorageName { get; } = storageName;

    public TState State { get; set; } = default!;

    public string? Etag => null;

    public bool RecordExists => false;

    public Task ReadStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task WriteStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ClearStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
