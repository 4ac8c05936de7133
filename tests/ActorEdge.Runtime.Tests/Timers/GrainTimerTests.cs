using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;

namespace ActorEdge.Runtime.Tests.Timers;

public sealed class GrainTimerTests
{
    [Fact]
    public async Task EnqueueTick_TicksWhileRequestsRun_TicksAreTurnsThatNeverOverlapRequests()
    {
        await using var cluster = await Clusters.StartAsync(1);
        var key = Clusters.NewKey();
        var grain = cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key);

        await grain.StartTimer(5);
        var ticksBefore = Probe.For(key).Ticks;
        for (var round = 0; round < 10; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => grain.Work()));
        }
        await Wait.UntilAsync(() => Probe.For(key).Ticks >= ticksBefore + 5, "five more ticks");

        Assert.Equal(1, await grain.MaxConcurrency());
    }

    [Fact]
    public async Task Dispose_ActivationDeactivated_TimerStopsTicking()
    {
        await using var cluster = await Clusters.StartAsync(1);
        var key = Clusters.NewKey();
        var probe = Probe.For(key);
        var grain = cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key);
        await grain.StartTimer(20);
        await Wait.UntilAsync(() => probe.Ticks >= 3, "three ticks");

        await grain.DeactivateSoon();
        await Wait.UntilAsync(() => probe.Deactivations.Count == 1, "the grain to deactivate");
        var ticksAtDeactivation = probe.Ticks;

        // A new activation with the same timer ticks three times; a timer that outlived its
        // activation would have ticked meanwhile too.
        var otherKey = Clusters.NewKey();
        await cluster.GrainFactory.GetGrain<IRandomProbeGrain>(otherKey).StartTimer(20);
        await Wait.UntilAsync(() => Probe.For(otherKey).Ticks >= 3, "three ticks of the other timer");

        Assert.Equal(ticksAtDeactivation, probe.Ticks);
        Assert.DoesNotContain("tick after deactivation", probe.Events);
        Assert.Equal([DeactivationReasonCode.ApplicationRequested], probe.Deactivations);
    }
}
