using System.Collections.Concurrent;
using ActorEdge.Serialization;

namespace ActorEdge.Testing.Migration;

/// <summary>The persistent state of the strategy suite's grains: a count of the calls they executed.</summary>
[GenerateSerializer]
public sealed class StrategyState
{
    [Id(0)]
    public int Count { get; set; }
}

/// <summary>
/// A grain of the migration strategy suite: counts calls in persistent state (written before
/// answering) and remembers, in memory carried by migration, the sequence numbers per caller.
/// </summary>
public interface IStrategyGrain : IGrainWithStringKey
{
    Task<int> Call(string caller, int sequence);

    Task<int[]> Received(string caller);

    Task<int> Count();

    Task<string> Where();

    /// <summary>Asks the runtime to deactivate this activation once idle.</summary>
    Task Deactivate();
}

public interface ICentralizedStrategyGrain : IStrategyGrain;

public interface IReactiveStrategyGrain : IStrategyGrain;

public interface IProactiveStrategyGrain : IStrategyGrain;

/// <summary>Counts, per grain key, what no single activation can see: live activations and concurrent turns cluster-wide.</summary>
public sealed class StrategyTracker
{
    private static readonly ConcurrentDictionary<string, StrategyTracker> All = new(StringComparer.Ordinal);
    private int _alive, _maxAlive, _inside, _maxInside, _activations;

    public static StrategyTracker For(string key) => All.GetOrAdd(key, static _ => new StrategyTracker());

    /// <summary>The most activations alive at once (a killed silo's never leave: see <see cref="ForgetAlive"/>).</summary>
    public int MaxAlive => Volatile.Read(ref _maxAlive);

    /// <summary>The most calls executing at once; the grain is not reentrant, so more than one means two activations.</summary>
    public int MaxInside => Volatile.Read(ref _maxInside);

    public int Activations => Volatile.Read(ref _activations);

    public void ForgetAlive(int count) => Interlocked.Add(ref _alive, -count);

    internal void Activated()
    {
        Interlocked.Increment(ref _activations);
        Max(ref _maxAlive, Interlocked.Increment(ref _alive));
    }

    internal void Deactivated() => Interlocked.Decrement(ref _alive);

    internal void Enter() => Max(ref _maxInside, Interlocked.Increment(ref _inside));

    internal void Exit() => Interlocked.Decrement(ref _inside);

    private static void Max(ref int max, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, current) != current)
        {
        }
    }
}

public abstract class StrategyGrainBase(IPersistentState<StrategyState> state, ILocalSiloDetails silo) : Grain, IStrategyGrain, IGrainMigrationParticipant
{
    private Dictionary<string, List<int>> _received = new(StringComparer.Ordinal);

    private StrategyTracker Tracker => StrategyTracker.For(GetPrimaryKeyString());

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
            state.State.Count++;
            // Yield inside the turn, so a migration request has a running turn to wait for.
            await Task.Yield();
            await state.WriteStateAsync();
            return state.State.Count;
        }
        finally
        {
            Tracker.Exit();
        }
    }

    public Task<int[]> Received(string caller) => Task.FromResult(_received.TryGetValue(caller, out var list) ? list.ToArray() : []);

    public Task<int> Count() => Task.FromResult(state.State.Count);

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

[MigrationStrategy(MigrationStrategy.Centralized)]
public sealed class CentralizedStrategyGrain([PersistentState("state")] IPersistentState<StrategyState> state, ILocalSiloDetails silo)
    : StrategyGrainBase(state, silo), ICentralizedStrategyGrain;

[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class ReactiveStrategyGrain([PersistentState("state")] IPersistentState<StrategyState> state, ILocalSiloDetails silo)
    : StrategyGrainBase(state, silo), IReactiveStrategyGrain;

[MigrationStrategy(MigrationStrategy.Proactive)]
public sealed class ProactiveStrategyGrain([PersistentState("state")] IPersistentState<StrategyState> state, ILocalSiloDetails silo)
    : StrategyGrainBase(state, silo), IProactiveStrategyGrain;
