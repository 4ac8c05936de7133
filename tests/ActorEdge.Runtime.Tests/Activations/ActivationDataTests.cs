using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Activations;

public sealed class ActivationDataTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(2);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Pump_ConcurrentRequestsToNonReentrantGrain_RunOneAtATime()
    {
        var key = Clusters.NewKey();
        var factories = new[] { _cluster.GrainFactory, _cluster.Silos[0].GrainFactory, _cluster.Silos[1].GrainFactory };

        await Wait.For(Task.WhenAll(Enumerable.Range(0, 20).Select(i => factories[i % 3].GetGrain<INonReentrantTurnGrain>(key).Enter())), "20 concurrent calls");

        Assert.Equal(1, await _cluster.GrainFactory.GetGrain<INonReentrantTurnGrain>(key).MaxConcurrency());
    }

    [Fact]
    public async Task Pump_ConcurrentRequestsToReentrantGrain_Interleave()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<IReentrantTurnGrain>(key);

        // Each call waits until all five are inside at once: only interleaving lets any of them finish.
        await Wait.For(Task.WhenAll(Enumerable.Range(0, 5).Select(_ => grain.WaitForCompany(5))), "5 calls that need each other");

        Assert.Equal(5, await grain.MaxConcurrency());
    }

    [Fact]
    public async Task OnReceive_AlwaysInterleaveCallWhileNonReentrantGrainIsBlocked_RunsAtOnceWhileOrdinaryCallsWait()
    {
        var key = Clusters.NewKey();
        var probe = Probe.For(key);
        var grain = _cluster.GrainFactory.GetGrain<IGateGrain>(key);

        var blocked = grain.Block();
        await Wait.For(probe.Entered.Task, "Block to start");
        var normal = grain.Normal();
        await Wait.For(grain.Ping(), "the interleaving Ping");

        Assert.False(blocked.IsCompleted);
        Assert.False(normal.IsCompleted);
        Assert.Equal(["block-start", "ping"], probe.Events);

        probe.Gate.SetResult();
        await Wait.For(Task.WhenAll(blocked, normal), "Block and Normal after the gate opened");
        Assert.Equal(["block-start", "ping", "block-end", "normal"], probe.Events);
    }

    [Fact]
    public async Task DeactivateOnIdle_CalledByGrain_DeactivatesWithApplicationRequestedAndNextCallReactivates()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key);
        var first = await grain.Identify();

        await grain.DeactivateSoon();

        await Wait.UntilAsync(() => Probe.For(key).Deactivations.Count == 1, "the grain deactivates");
        Assert.Equal([DeactivationReasonCode.ApplicationRequested], Probe.For(key).Deactivations);
        var second = await grain.Identify();
        Assert.NotEqual(first.ActivationId, second.ActivationId);
        Assert.Equal(2, Probe.For(key).Activations);
    }
}
