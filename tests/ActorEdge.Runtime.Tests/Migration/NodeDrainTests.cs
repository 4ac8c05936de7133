using ActorEdge.Hosting;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Migration;

public sealed class NodeDrainTests
{
    private const int Grains = 20;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StopSiloAsync_WithActivations_DrainsThemToOtherSilosWithInMemoryStateUnlessDisabled(bool drain)
    {
        var storage = new MemoryGrainStorage("actoredge");
        await using var cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos(s =>
        {
            s.Services.AddKeyedSingleton<IGrainStorage>("store", storage);
            s.Configure<MigrationOptions>(o => o.DrainOnShutdown = drain);
        }));
        var leaving = cluster.Silos[1];
        var keys = new string[Grains];
        RequestContext.Set(RequestContext.PlacementHintKey, leaving.Address.ToString());
        try
        {
            for (var i = 0; i < Grains; i++)
            {
                keys[i] = Clusters.NewKey();
                var grain = cluster.GrainFactory.GetGrain<IMigrationGrain>(keys[i]);
                Assert.Equal(1, await grain.Call("c", 1));
                await grain.SetMemo(100 + i);
                Assert.Equal(leaving.Address.ToString(), await grain.Where());
            }
        }
        finally
        {
            RequestContext.Clear();
        }

        await cluster.StopSiloAsync(leaving);

        for (var i = 0; i < Grains; i++)
        {
            var grain = cluster.GrainFactory.GetGrain<IMigrationGrain>(keys[i]);
            Assert.NotEqual(leaving.Address.ToString(), await grain.Where());
            Assert.Equal(drain ? 100 + i : 0, await grain.Memo());
            Assert.Equal(drain ? new[] { 1 } : [], await grain.Received("c"));
            Assert.Equal(1, await grain.Count());
            var tracker = MigrationTracker.For(keys[i]);
            Assert.Equal(2, tracker.Activations);
            Assert.Equal(drain ? 1 : 0, tracker.Rehydrations);
            Assert.Equal(1, tracker.MaxAlive);
        }
    }
}
