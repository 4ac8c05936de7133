using ActorEdge.Hosting;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Hosting;

public sealed class SiloRuntimeTests
{
    [Fact]
    public async Task KillAsync_SiloHostingAGrain_NextCallReactivatesElsewhereWithTheLastWrittenState()
    {
        var shared = new MemoryGrainStorage("actoredge");
        await using var cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos(s => s.Services.AddKeyedSingleton<IGrainStorage>("store", shared)));
        var key = Clusters.NewKey();
        var victim = cluster.Silos[1];
        var onVictim = victim.GrainFactory.GetGrain<IStateGrain>(key);
        await onVictim.Set(1);
        await onVictim.Set(42);
        var before = await onVictim.Identify();
        Assert.Equal(victim.Address.ToString(), before.Silo);

        await cluster.KillSiloAsync(victim);

        var grain = cluster.GrainFactory.GetGrain<IStateGrain>(key);
        Assert.Equal(42, await grain.Get());
        var after = await grain.Identify();
        Assert.NotEqual(victim.Address.ToString(), after.Silo);
        Assert.NotEqual(before.ActivationId, after.ActivationId);
        Assert.Equal(2, Probe.For(key).Activations);
        Assert.Equal(1, cluster.ActiveSilos.Count(s => s.HostsActivation(Clusters.IdOf(grain))));
        // Calls from the surviving silos reach the same new activation.
        foreach (var silo in cluster.ActiveSilos)
        {
            Assert.Equal(after, await silo.GrainFactory.GetGrain<IStateGrain>(key).Identify());
        }
    }

    [Fact]
    public async Task DeclaredDeadByTheCluster_LiveSilo_StopsServingSoTheGrainHasOneActivation()
    {
        await using var cluster = await Clusters.StartAsync(2);
        var key = Clusters.NewKey();
        var victim = cluster.Silos[0];
        var grain = victim.GrainFactory.GetGrain<ILocalProbeGrain>(key);
        var before = await grain.Identify();
        Assert.Equal(victim.Address.ToString(), before.Silo);

        // A false suspicion: the silo is alive, but the cluster's table says it is dead.
        await victim.Services.GetRequiredService<ActorEdge.Runtime.Membership.IMembershipTable>().MarkDeadAsync(victim.Address);

        await Wait.UntilAsync(() => victim.ActivationCount == 0, "the silo declared dead drops its activations");
        var survivor = cluster.Silos[1];
        // Routing around the victim needs the survivor's view to hold it dead (a refresh away under load).
        await Wait.UntilAsync(() => survivor.ConsidersDead(victim.Address), "the survivor to learn the victim is dead");
        var after = await survivor.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify();
        Assert.Equal(survivor.Address.ToString(), after.Silo);
        Assert.Equal(0, victim.ActivationCount);
        Assert.Equal(2, Probe.For(key).Activations);
    }

    [Fact]
    public async Task StartAsync_DevelopmentClusteringWithThreeSilos_CallsAcrossSilosReachOneActivation()
    {
        await using var cluster = await Clusters.StartAsync(3, b => b.Options.UseDevelopmentClustering = true);
        var key = Clusters.NewKey();
        var callers = cluster.Silos.Select(s => s.GrainFactory).Append(cluster.GrainFactory).ToArray();

        var answers = await Wait.For(Task.WhenAll(Enumerable.Range(0, 30).Select(i => callers[i % callers.Length].GetGrain<IRandomProbeGrain>(key).Identify())), "30 concurrent first calls");

        Assert.Single(answers.Distinct());
        Assert.Equal(1, Probe.For(key).Activations);
        Assert.Equal(1, cluster.Silos.Count(s => s.HostsActivation(Clusters.IdOf(cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key)))));
        // Grains placed on each silo are reachable from every other one.
        foreach (var silo in cluster.Silos)
        {
            var localKey = Clusters.NewKey();
            var placed = await silo.GrainFactory.GetGrain<ILocalProbeGrain>(localKey).Identify();
            Assert.Equal(silo.Address.ToString(), placed.Silo);
            foreach (var caller in callers)
            {
                Assert.Equal(placed, await caller.GetGrain<ILocalProbeGrain>(localKey).Identify());
            }
        }
    }

    [Fact]
    public async Task KillAsync_NonPrimarySiloWithDevelopmentStorage_NextCallReactivatesWithTheLastWrittenState()
    {
        await using var cluster = await Clusters.StartAsync(3, b =>
        {
            b.Options.UseDevelopmentClustering = true;
            b.ConfigureSilos(s => s.AddDevelopmentGrainStorage("store"));
        });
        var key = Clusters.NewKey();
        var victim = cluster.Silos[2];
        var onVictim = victim.GrainFactory.GetGrain<IStateGrain>(key);
        await onVictim.Set(17);
        Assert.Equal(victim.Address.ToString(), (await onVictim.Identify()).Silo);

        await cluster.KillSiloAsync(victim);

        var grain = cluster.Silos[1].GrainFactory.GetGrain<IStateGrain>(key);
        Assert.Equal(17, await grain.Get());
        Assert.Equal(cluster.Silos[1].Address.ToString(), (await grain.Identify()).Silo);
        Assert.Equal(2, Probe.For(key).Activations);
    }
}
