using ActorEdge.Placement;
using ActorEdge.Serialization;

namespace ActorEdge.Samples;

[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)]
    public List<string> Events { get; set; } = [];
}

/// <summary>
/// Placed on the node its caller entered by, with its state on that node (the provider registered
/// as <see cref="MigrationStrategy.Reactive"/>, NodeLocal in the demo's silos): when the session
/// migrates, the stored record moves with it.
/// </summary>
[EdgePlacement]
[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class SessionGrain(
    [PersistentState("session")] IPersistentState<SessionState> state,
    ILocalSiloDetails silo) : Grain, ISessionGrain
{
    public async Task<int> Append(string text)
    {
        state.State.Events.Add(text);
        await state.WriteStateAsync();
        return state.State.Events.Count;
    }

    public Task<(int Events, long Characters)> Summary() =>
        Task.FromResult((state.State.Events.Count, state.State.Events.Sum(e => (long)e.Length)));

    public Task<GrainLocation> WhereAmI() => Task.FromResult(new GrainLocation(silo.SiloAddress.ToString(), silo.NodeName));
}
