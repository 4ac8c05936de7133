using System.Collections.Concurrent;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.NodeLocal.Migration;

[GenerateSerializer]
public sealed class ReactiveCounterState
{
    [Id(0)]
    public int Value { get; set; }
}

/// <summary>A Reactive grain: its persistent state ("s", no storage name) lives in the provider registered as "Reactive".</summary>
public interface INodeLocalReactiveGrain : IGrainWithStringKey
{
    Task<int> Call(string caller, int sequence);

    Task<int[]> Received(string caller);

    Task<int> Count();

    Task<string> Where();

    Task Deactivate();
}

[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class NodeLocalReactiveGrain([PersistentState("s")] IPersistentState<ReactiveCounterState> state, ILocalSiloDetails silo)
    : Grain, INodeLocalReactiveGrain, IGrainMigrationParticipant
{
    // Per caller, the sequence numbers received, in order (travels with the grain in memory).
    private Dictionary<string, List<int>> _received = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ActivationTracker.For(GetPrimaryKeyString()).Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ActivationTracker.For(GetPrimaryKeyString()).Deactivated();
        return Task.CompletedTask;
    }

    public async Task<int> Call(string caller, int sequence)
    {
        var tracker = ActivationTracker.For(GetPrimaryKeyString());
        tracker.Enter();
        try
        {
            if (!_received.TryGetValue(caller, out var list))
            {
                _received[caller] = list = [];
            }
            list.Add(sequence);
            state.State.Value++;
            await state.WriteStateAsync();
            return state.State.Value;
        }
        finally
        {
            tracker.Exit();
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
        if (rehydrationContext.TryGetValue<Dictionary<string, List<int>>>("received", out var received))
        {
            _received = new Dictionary<string, List<int>>(received, StringComparer.Ordinal);
        }
    }
}

/// <summary>Counts live activations and running turns of one grain across all silos of a test.</summary>
public sealed class ActivationTracker
{
    private static readonly ConcurrentDictionary<string, ActivationTracker> Trackers = new(StringComparer.Ordinal);
    private int _alive;
    private int _inside;
    private int _maxAlive;
    private int _maxInside;

    public static ActivationTracker For(string key) => Trackers.GetOrAdd(key, _ => new ActivationTracker());

    public int MaxAlive => Volatile.Read(ref _maxAlive);

    public int MaxInside => Volatile.Read(ref _maxInside);

    public void Activated() => Raise(ref _maxAlive, Interlocked.Increment(ref _alive));

    public void Deactivated() => Interlocked.Decrement(ref _alive);

    public void Enter() => Raise(ref _maxInside, Interlocked.Increment(ref _inside));

    public void Exit() => Interlocked.Decrement(ref _inside);

    private static void Raise(ref int max, int value)
    {
        int current;
        while ((current = Volatile.Read(ref max)) < value && Interlocked.CompareExchange(ref max, value, current) != current)
        {
        }
    }
}
