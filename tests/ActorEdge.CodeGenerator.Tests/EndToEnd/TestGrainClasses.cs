using ActorEdge.Serialization;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();
}

public interface IResettable : IGrainWithStringKey
{
    Task Reset();
}

public interface IResettableCounterGrain : ICounterGrain, IResettable;

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Count { get; set; }
}

public interface IClock
{
    DateTimeOffset Now { get; }
}

public sealed class CounterGrain(
    [PersistentState("count", "store")] IPersistentState<CounterState> state,
    IClock clock,
    IGrainFactory grainFactory) : Grain, IResettableCounterGrain
{
    public IPersistentState<CounterState> State { get; } = state;

    public IClock Clock { get; } = clock;

    public IGrainFactory Factory { get; } = grainFactory;

    public Task<int> Increment() => Task.FromResult(++State.State.Count);

    public Task Reset()
    {
        State.State.Count = 0;
        return Task.CompletedTask;
    }
}

[GrainType("custom-type")]
public sealed class RenamedGrain : Grain, ICounterGrain
{
    public RenamedGrain()
    {
    }

    public RenamedGrain([PersistentState("other")] IPersistentState<CounterState> state)
    {
        State = state;
    }

    public IPersistentState<CounterState>? State { get; }

    public Task<int> Increment() => Task.FromResult(0);
}

/// <summary>Not a grain class itself: no descriptor.</summary>
public abstract class AbstractGrain : Grain, ICounterGrain
{
    public abstract Task<int> Increment();
}

/// <summary>Derives from a grain class indirectly; "Grain" is not a suffix of "Worker".</summary>
public sealed class Worker : AbstractGrain
{
    public override Task<int> Increment() => Task.FromResult(1);
}
