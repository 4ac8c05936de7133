namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>
/// A grain that records, per caller, the sequence numbers it executed (in memory, carried by
/// migration), counts executions in persistent state written before answering, and reports
/// concurrent executions and live activations to its <see cref="Probe"/>-like tracker.
/// </summary>
public interface IMigrationGrain : IGrainWithStringKey
{
    /// <summary>Records <paramref name="sequence"/> for <paramref name="caller"/>, persists the incremented counter, returns it.</summary>
    Task<int> Call(string caller, int sequence);

    Task<int[]> Received(string caller);

    Task<int> Count();

    Task<string?> Etag();

    /// <summary>A value kept only in memory (carried by migration, lost by a plain reactivation).</summary>
    Task SetMemo(int value);

    Task<int> Memo();

    Task<string> Where();

    /// <summary>Calls MigrateOnIdle (with the request context's placement hint, if any) and records it before returning.</summary>
    Task MigrateAfterThisCall();

    /// <summary>Calls MigrateOnIdle(target).</summary>
    Task MigrateTo(string target);
}

public sealed class MigrationTracker
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, MigrationTracker> All = new(StringComparer.Ordinal);
    private int _alive;
    private int _maxAlive;
    private int _inside;
    private int _maxInside;
    private int _activations;
    private int _rehydrations;

    public static MigrationTracker For(string key) => All.GetOrAdd(key, static _ => new MigrationTracker());

    /// <summary>Activations between OnActivateAsync and OnDeactivateAsync, cluster-wide, at most (killed silos never decrement).</summary>
    public int MaxAlive => Volatile.Read(ref _maxAlive);

    /// <summary>The most calls seen executing at once across all activations (the grain is not reentrant: more than 1 means two activations).</summary>
    public int MaxInside => Volatile.Read(ref _maxInside);

    public int Activations => Volatile.Read(ref _activations);

    public int Rehydrations => Volatile.Read(ref _rehydrations);

    /// <summary>Forgets activations on a killed silo (they never deactivate).</summary>
    public void ForgetAlive(int count) => Interlocked.Add(ref _alive, -count);

    internal void Activated()
    {
        Interlocked.Increment(ref _activations);
        Max(ref _maxAlive, Interlocked.Increment(ref _alive));
    }

    internal void Deactivated() => Interlocked.Decrement(ref _alive);

    internal void Rehydrated() => Interlocked.Increment(ref _rehydrations);

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

public sealed class MigrationGrain([PersistentState("state", "store")] IPersistentState<CounterState> state, ILocalSiloDetails silo)
    : Grain, IMigrationGrain, IGrainMigrationParticipant
{
    private Dictionary<string, List<int>> _received = new(StringComparer.Ordinal);
    private int _memo;

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
            // Yield inside the turn, so a migration request has a turn to wait for.
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

    public Task<string?> Etag() => Task.FromResult(state.Etag);

    public Task SetMemo(int value)
    {
        _memo = value;
        return Task.CompletedTask;
    }

    public Task<int> Memo() => Task.FromResult(_memo);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public Task MigrateAfterThisCall()
    {
        MigrateOnIdle();
        return Task.CompletedTask;
    }

    public Task MigrateTo(string target)
    {
        MigrateOnIdle(SiloAddress.Parse(target));
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        dehydrationContext.AddValue("received", _received);
        dehydrationContext.AddValue("memo", _memo);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        Tracker.Rehydrated();
        if (rehydrationContext.TryGetValue<Dictionary<string, List<int>>>("received", out var received))
        {
            _received = new Dictionary<string, List<int>>(received, StringComparer.Ordinal);
        }
        if (rehydrationContext.TryGetValue<int>("memo", out var memo))
        {
            _memo = memo;
        }
    }
}
