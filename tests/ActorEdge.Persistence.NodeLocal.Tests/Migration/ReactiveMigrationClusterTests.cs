using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal.Migration;

/// <summary>
/// The runtime's fetch of a Reactive record over real NodeLocal stores: three silos, each with its own
/// directory (the shared strategy suite, NodeLocalReactiveStrategyTests, covers live migration).
/// </summary>
public sealed class ReactiveMigrationClusterTests : IDisposable
{
    private readonly TempDirectory[] _roots = [new(), new(), new()];

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            root.Dispose();
        }
    }

    [Fact]
    public async Task Activation_OnAnotherSiloAfterDeactivation_FetchesTheRecordWithItsVersionAndRemovesItAtTheOldHost()
    {
        var builder = new TestClusterBuilder(3);
        builder.ConfigureSilos((silo, index) => silo.AddNodeLocalGrainStorage(StorageNames.Reactive, o => o.RootPath = _roots[index].Path));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, 0);
        var id = ((GrainReference)grain).GrainId;
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }
        await grain.Deactivate();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (cluster.Silos[0].HostsActivation(id))
        {
            Assert.True(DateTime.UtcNow < deadline, "the grain did not deactivate within 20 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await ActivateOnAsync(cluster, key, 2);
        Assert.Equal(6, await grain.Call("c", 6));

        var stores = cluster.Silos.Select(s => (NodeLocalGrainStorage)s.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive)).ToArray();
        Assert.Equal([2], Enumerable.Range(0, 3).Where(i => File.Exists(stores[i].PathOf(id, "state"))).ToArray());
        var stored = new GrainState<StrategyState>(new StrategyState());
        await stores[2].ReadStateAsync("state", id, stored, TestContext.Current.CancellationToken);
        Assert.Equal(6, stored.State.Count);
        Assert.Equal("6", stored.ETag);
    }

    private static async Task<IReactiveStrategyGrain> ActivateOnAsync(TestCluster cluster, string key, int silo)
    {
        var grain = cluster.GrainFactory.GetGrain<IReactiveStrategyGrain>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[silo].Address.ToString());
        try
        {
            Assert.Equal(cluster.Silos[silo].Address.ToString(), await grain.Where());
        }
        finally
        {
            RequestContext.Clear();
        }
        return grain;
    }
}
