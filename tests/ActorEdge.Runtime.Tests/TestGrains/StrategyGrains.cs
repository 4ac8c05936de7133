namespace ActorEdge.Runtime.Tests.TestGrains;

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

    /// <summary>Increments after running for at least <paramref name="milliseconds"/> (by the stopwatch the runtime measures with).</summary>
    Task<int> IncrementAfter(int milliseconds);

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

    public async Task<int> IncrementAfter(int milliseconds)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds < milliseconds)
        {
            await Task.Delay(10);
        }
        return await Increment();
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
