namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>A grain whose state lives with it (Reactive): counts calls in persistent state, remembers per-caller sequences in memory.</summary>
public interface IReactiveGrain : IGrainWithStringKey
{
    Task<int> Call(string caller, int sequence);

    Task<int[]> Received(string caller);

    Task<int> Count();

    Task<string> Where();

    Task Deactivate();
}

[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class ReactiveGrain([PersistentState("state")] IPersistentState<CounterState> state, ILocalSiloDetails silo)
    : Grain, IReactiveGrain, IGrainMigrationParticipant
{
    private Dictionary<string, List<int>> _received = new(StringComparer.Ordinal);

    private MigrationTracker Tracker => MigrationTracker.For(GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Tracker.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Tracker.Deactivated();
        return Task.CompletedTask;
    }

    public async Task<int> Call(string caller, int sequence)
    {
        Tracker.Enter();
        try
        {
            if (!_received.TryGetValue(caller, out var list))
            {
                _received[caller] = list = [];
            }
            list.Add(sequence);
            state.State.Value++;
            await Task.Yield();
            await state.WriteStateAsync();
            return state.State.Value;
        }
        finally
        {
            Tracker.Exit();
        }
    }

    public Task<int[]> Received(string caller) => Task.FromResult(_received.TryGetValue(caller, out var list) ? list.ToArray() : []);

    public Task<int> Count() => Task.FromResult(state.State.Value);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext) => dehydrationContext.AddValue("received", _received);

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        Tracker.Rehydrated();
        if (rehydrationContext.TryGetValue<Dictionary<string, List<int>>>("received", out var received))
        {
            _received = new Dictionary<string, List<int>>(received, StringComparer.Ordinal);
        }
    }
}

/// <summary>A grain with no strategy attribute: the cluster's default strategy chooses its storage.</summary>
public interface IDefaultStrategyGrain : IGrainWithStringKey
{
    Task<int> Increment();
}

public sealed class DefaultStrategyGrain([PersistentState("state")] IPersistentState<CounterState> state) : Grain, IDefaultStrategyGrain
{
    public async Task<int> Increment()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }
}

/// <summary>A Reactive grain used only by the disruption test (its grain type tags the measurements).</summary>
public interface IDisruptedGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<string> Where();
}

[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class DisruptedGrain([PersistentState("state")] IPersistentState<CounterState> state, ILocalSiloDetails silo) : Grain, IDisruptedGrain
{
    public async Task<int> Increment()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());
}

/// <summary>A grain whose state lives in the "metered" provider (used only by the storage metrics test).</summary>
public interface IMeteredGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task Clear();
}

public sealed class MeteredGrain([PersistentState("state", "metered")] IPersistentState<CounterState> state) : Grain, IMeteredGrain
{
    public async Task<int> Increment()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task Clear() => state.ClearStateAsync();
}
