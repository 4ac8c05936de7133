using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Calls;

public sealed class ForwardingTests
{
    [Fact]
    public async Task Forward_StaleCacheThenForwardingSiloDies_CallStillCompletesAtTheRealHost()
    {
        await using var cluster = await Clusters.StartAsync(3);
        var (caller, host, stale) = (cluster.Silos[0], cluster.Silos[1], cluster.Silos[2]);
        var key = Clusters.NewKey();
        var probe = Probe.For(key);

        // Activate on the host, then make the caller believe the grain lives on another silo.
        RequestContext.Set(RequestContext.PlacementHintKey, host.Address.ToString());
        await caller.GrainFactory.GetGrain<IGateGrain>(key).Normal();
        RequestContext.Clear();
        var grainId = Clusters.IdOf(caller.GrainFactory.GetGrain<IGateGrain>(key));
        Assert.True(host.HostsActivation(grainId));
        caller.Services.GetRequiredService<SiloRuntime>().Locator.UpdateCache(new GrainAddress(grainId, stale.Address, 1));

        // The call goes to the stale silo, which forwards it to the host, where it blocks.
        var call = caller.GrainFactory.GetGrain<IGateGrain>(key).Block();
        await Wait.For(probe.Entered.Task, "the forwarded call runs on the host");
        await Wait.UntilAsync(() => caller.CachedLocation(grainId) is null, "the forwarding silo's notice reaches the caller");

        // The silo that forwarded it dies while the call is still running elsewhere.
        await cluster.KillSiloAsync(stale);
        await Wait.UntilAsync(() => caller.ConsidersDead(stale.Address), "the caller sees the forwarding silo dead");
        probe.Gate.TrySetResult();

        await Wait.For(call, "the call completes");
        Assert.Equal(["normal", "block-start", "block-end"], probe.Events);
        Assert.Equal(host.Address, caller.CachedLocation(grainId) ?? host.Address);
    }
}
