using ActorEdge.Hosting;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;

namespace ActorEdge.Runtime.Tests.Activations;

public sealed class CatalogTests
{
    [Fact]
    public async Task ReceiveRequest_ConcurrentFirstCallsFromEverySiloAndClient_CreateExactlyOneActivation()
    {
        await using var cluster = await Clusters.StartAsync(3);
        var key = Clusters.NewKey();
        var factories = cluster.Silos.Select(s => s.GrainFactory).Append(cluster.GrainFactory).ToArray();

        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 50)
            .Select(i => Task.Run(async () =>
            {
                start.Wait();
                return await factories[i % factories.Length].GetGrain<IRandomProbeGrain>(key).Identify();
            }))
            .ToArray();
        start.Set();
        var answers = await Wait.For(Task.WhenAll(calls), "50 concurrent first calls");

        var grainId = Clusters.IdOf(cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key));
        Assert.Equal(1, cluster.Silos.Count(s => s.HostsActivation(grainId)));
        Assert.Equal(1, Probe.For(key).Activations);
        Assert.Single(answers.Select(a => a.ActivationId).Distinct());
        Assert.Equal(cluster.GetHostingSilo(grainId)!.Address.ToString(), answers[0].Silo);
    }

    [Fact]
    public async Task CollectIdle_ActivationIdleLongerThanCollectionAge_DeactivatesWithActivationIdleAndNextCallReactivates()
    {
        await using var cluster = await Clusters.StartAsync(1, b => b.ConfigureSilos(s => s.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionAge = TimeSpan.FromMilliseconds(300);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(100);
        })));
        var key = Clusters.NewKey();
        var grain = cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key);
        var first = await grain.Identify();

        await Wait.UntilAsync(() => Probe.For(key).Deactivations.Count == 1, "the idle activation is collected");
        Assert.Equal([DeactivationReasonCode.ActivationIdle], Probe.For(key).Deactivations);
        await Wait.UntilAsync(() => !cluster.Silos[0].HostsActivation(Clusters.IdOf(grain)), "the catalog forgets the collected activation");

        var second = await grain.Identify();
        Assert.NotEqual(first.ActivationId, second.ActivationId);
        Assert.Equal(2, Probe.For(key).Activations);
    }

    [Fact]
    public async Task DeactivateAllAsync_SiloStoppedGracefullyWithoutDrain_DeactivatesWithShuttingDownAndNextCallReactivatesElsewhere()
    {
        // Node drain (the default) would migrate the activation instead: see Migration/NodeDrainTests.
        await using var cluster = await Clusters.StartAsync(2, b => b.ConfigureSilos(s => s.Configure<MigrationOptions>(o => o.DrainOnShutdown = false)));
        var key = Clusters.NewKey();
        var stopping = cluster.Silos[1];
        var first = await stopping.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify();
        Assert.Equal(stopping.Address.ToString(), first.Silo);

        await cluster.StopSiloAsync(stopping);

        Assert.Equal([DeactivationReasonCode.ShuttingDown], Probe.For(key).Deactivations);
        var second = await cluster.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify();
        Assert.Equal(cluster.Silos[0].Address.ToString(), second.Silo);
        Assert.NotEqual(first.ActivationId, second.ActivationId);
        Assert.Equal(2, Probe.For(key).Activations);
    }
}
