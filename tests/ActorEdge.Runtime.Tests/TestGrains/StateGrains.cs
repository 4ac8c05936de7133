using ActorEdge.Placement;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Tests.TestGrains;

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}

/// <summary>A counter in storage "store", state name "state"; placed on the first caller's silo.</summary>
public interface IStateGrain : IGrainWithStringKey
{
    Task<int> Get();

    Task Set(int value);

    Task Clear();

    Task<string?> Etag();

    Task<bool> RecordExists();

    Task<ActivationInfo> Identify();
}

[PreferLocalPlacement]
public sealed class StateGrain([PersistentState("state", "store")] IPersistentState<CounterState> state, ILocalSiloDetails silo) : Grain, IStateGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Probe.For(GetPrimaryKeyString()).Activated();
        return Task.CompletedTask;
    }

    public Task<int> Get() => Task.FromResult(state.State.Value);

    public Task Set(int value)
    {
        state.State.Value = value;
        return state.WriteStateAsync();
    }

    public Task Clear() => state.ClearStateAsync();

    public Task<string?> Etag() => Task.FromResult(state.Etag);

    public Task<bool> RecordExists() => Task.FromResult(state.RecordExists);

    public Task<ActivationInfo> Identify() => Task.FromResult(new ActivationInfo(_activationId, silo.SiloAddress.ToString()));
}

/// <summary>Two handles on the same stored state.</summary>
public interface ITwoHandleGrain : IGrainWithStringKey
{
    /// <summary>Writes <paramref name="first"/> through the first handle, then <paramref name="second"/> through the second (whose ETag is stale).</summary>
    Task WriteThroughBoth(int first, int second);

    /// <summary>Rereads both handles and returns their values.</summary>
    Task<int[]> Reread();
}

public sealed class TwoHandleGrain(
    [PersistentState("state", "store")] IPersistentState<CounterState> first,
    [PersistentState("state", "store")] IPersistentState<CounterState> second) : Grain, ITwoHandleGrain
{
    public async Task WriteThroughBoth(int firstValue, int secondValue)
    {
        first.State.Value = firstValue;
        await first.WriteStateAsync();
        second.State.Value = secondValue;
        await second.WriteStateAsync();
    }

    public async Task<int[]> Reread()
    {
        await first.ReadStateAsync();
        await second.ReadStateAsync();
        return [first.State.Value, second.State.Value];
    }
}
