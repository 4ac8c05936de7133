using ActorEdge.Serialization;

namespace ActorEdge.Samples;

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public long Value { get; set; }
}

public sealed class CounterGrain(
    [PersistentState("counter", "store")] IPersistentState<CounterState> state,
    ILocalSiloDetails silo) : Grain, ICounterGrain
{
    public async Task<long> Add(long delta)
    {
        state.State.Value += delta;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<long> Get() => Task.FromResult(state.State.Value);

    public Task<GrainLocation> WhereAmI() => Task.FromResult(new GrainLocation(silo.SiloAddress.ToString(), silo.NodeName));
}
