using System.Collections.Concurrent;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Etcd.Migration;

[GenerateSerializer]
public sealed class EtcdCounterState
{
    [Id(0)]
    public int Value { get; set; }
}

/// <summary>
/// Records, per caller, the sequence numbers it executed (in memory, carried by migration) and
/// counts executions in persistent state "s", written before answering.
/// </summary>
public interface ISequencedGrain : IGrainWithStringKey
{
    Task<int> Call(string caller, int sequence);

    Task<int[]> Received(string caller);

    Task<int> Count();

    Task<string> Where();
}

/// <summary>State in the etcd of the node hosting the grain.</summary>
public interface IEtcdReactiveGrain : ISequencedGrain;

/// <summary>State in the etcd cluster with a member per node.</summary>
public interface IEtcdProactiveGrain : ISequencedGrain;

[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class EtcdReactiveGrain([PersistentState("s")] IPersistentState<EtcdCounterState> state, ILocalSiloDetails silo)
    : Grain, IEtcdReactiveGrain, IGrainMigrationParticipant
{
    private readonly SequenceLog _log = new();

    public Task<int> Call(string caller, int sequence) => _log.CallAsync(GetPrimaryKeyString(), caller, sequence, state);

    public Task<int[]> Received(string caller) => Task.FromResult(_log.Received(caller));

    public Task<int> Count() => Task.FromResult(state.State.Value);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public void OnDehydrate(IDehydrationContext dehydrationContext) => _log.Dehydrate(dehydrationContext);

    public void OnRehydrate(IRehydrationContext rehydrationContext) => _log.Rehydrate(rehydrationContext);
}

[MigrationStrategy(MigrationStrategy.Proactive)]
public sealed class EtcdProactiveGrain([PersistentState("s")] IPersistentState<EtcdCounterState> state, ILocalSiloDetails silo)
    : Grain, IEtcdProactiveGrain, IGrainMigrationParticipant
{
    private readonly SequenceLog _log = new();

    public Task<int> Call(string caller, int sequence) => _log.CallAsync(GetPrimaryKeyString(), caller, sequence, state);

    public Task<int[]> Received(string caller) => Task.FromResult(_log.Received(caller));

    public Task<int> Count() => Task.FromResult(state.State.Value);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public void OnDehydrate(IDehydrationContext dehydrationContext) => _log.Dehydrate(dehydrationContext);

    public void OnRehydrate(IRehydrationContext rehydrationContext) => _log.Rehydrate(rehydrationContext);
}

/// <summary>The per-caller sequences of one activation, and how many of its turns ever overlapped.</summary>
internal sealed class SequenceLog
{
    private static readonly ConcurrentDictionary<string, int[]> Inside = new(StringComparer.Ordinal);
    private Dictionary<string, List<int>> _received = new(StringComparer.Ordinal);

    /// <summary>The most turns of grain <paramref name="key"/> that ran at once, across all its activations.</summary>
    public static int MaxInside(string key) => Inside.TryGetValue(key, out var counters) ? counters[1] : 0;

    public async Task<int> CallAsync(string key, string caller, int sequence, IPersistentState<EtcdCounterState> state)
    {
        var counters = Inside.GetOrAdd(key, _ => new int[2]);
        var inside = Interlocked.Increment(ref counters[0]);
        if (inside > Volatile.Read(ref counters[1]))
        {
            Volatile.Write(ref counters[1], inside);
        }
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
            Interlocked.Decrement(ref counters[0]);
        }
    }

    public int[] Received(string caller) => _received.TryGetValue(caller, out var list) ? [.. list] : [];

    public void Dehydrate(IDehydrationContext context) => context.AddValue("received", _received);

    public void Rehydrate(IRehydrationContext context)
    {
        if (context.TryGetValue<Dictionary<string, List<int>>>("received", out var received))
        {
            _received = new Dictionary<string, List<int>>(received, StringComparer.Ordinal);
        }
    }
}
