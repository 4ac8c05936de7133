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
        await using var cluster = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, 0);
        var id = ((GrainReference)grain).GrainId;
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }
        await DeactivateAsync(cluster, grain, id, 0);

        await ActivateOnAsync(cluster, key, 2);
        Assert.Equal(6, await grain.Call("c", 6));

        var paths = PathsOf(cluster, id);
        Assert.Equal([2], Enumerable.Range(0, 3).Where(i => File.Exists(paths[i])).ToArray());
        Assert.Equal((6, "6"), await StoredAsync(cluster, 2, id));
    }

    [Fact]
    public async Task ACopyLeftBehind_IsReplacedByTheNewerRecordOfAPeer_NotReadAsTheState()
    {
        await using var cluster = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, 0);
        var id = ((GrainReference)grain).GrainId;
        var paths = PathsOf(cluster, id);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }
        var leftBehind = await File.ReadAllBytesAsync(paths[0], TestContext.Current.CancellationToken);
        Assert.Equal(4, await grain.Call("c", 4));
        Assert.Equal(5, await grain.Call("c", 5));
        await DeactivateAsync(cluster, grain, id, 0);

        // Silo 1 holds the newest record (as the target of a hand-over would) and silo 0 finds its
        // old copy back (as a source that crashed before removing it would).
        Directory.CreateDirectory(Path.GetDirectoryName(paths[1])!);
        File.Copy(paths[0], paths[1]);
        await File.WriteAllBytesAsync(paths[0], leftBehind, TestContext.Current.CancellationToken);

        // Activated on silo 0 again: the count goes on from silo 1's record (5), not from the copy (3).
        await ActivateOnAsync(cluster, key, 0);
        Assert.Equal(6, await grain.Call("c", 6));
        Assert.Equal([0], Enumerable.Range(0, 3).Where(i => File.Exists(paths[i])).ToArray());
        Assert.Equal((6, "6"), await StoredAsync(cluster, 0, id));
    }

    [Fact]
    public async Task AnOlderCopyOnAPeer_IsDroppedThere_AndTheNewerLocalRecordKept()
    {
        await using var cluster = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, 0);
        var id = ((GrainReference)grain).GrainId;
        var paths = PathsOf(cluster, id);
        Assert.Equal(1, await grain.Call("c", 1));
        var older = await File.ReadAllBytesAsync(paths[0], TestContext.Current.CancellationToken);
        Assert.Equal(2, await grain.Call("c", 2));
        Directory.CreateDirectory(Path.GetDirectoryName(paths[2])!);
        await File.WriteAllBytesAsync(paths[2], older, TestContext.Current.CancellationToken);
        await DeactivateAsync(cluster, grain, id, 0);

        await ActivateOnAsync(cluster, key, 0);
        Assert.Equal(3, await grain.Call("c", 3));
        Assert.Equal([0], Enumerable.Range(0, 3).Where(i => File.Exists(paths[i])).ToArray());
        Assert.Equal((3, "3"), await StoredAsync(cluster, 0, id));
    }

    private async Task<TestCluster> StartAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.ConfigureSilos((silo, index) => silo.AddNodeLocalGrainStorage(StorageNames.Reactive, o => o.RootPath = _roots[index].Path));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static string[] PathsOf(TestCluster cluster, GrainId id) =>
        cluster.Silos.Select(s => ((NodeLocalGrainStorage)s.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive)).PathOf(id, "state")).ToArray();

    /// <summary>The count and ETag of the record in silo <paramref name="silo"/>'s store.</summary>
    private static async Task<(int Count, string? ETag)> StoredAsync(TestCluster cluster, int silo, GrainId id)
    {
        var store = (NodeLocalGrainStorage)cluster.Silos[silo].Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive);
        var stored = new GrainState<StrategyState>(new StrategyState());
        await store.ReadStateAsync("state", id, stored, TestContext.Current.CancellationToken);
        return (stored.State.Count, stored.ETag);
    }

    private static async Task DeactivateAsync(TestCluster cluster, IReactiveStrategyGrain grain, GrainId id, int silo)
    {
        await grain.Deactivate();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (cluster.Silos[silo].HostsActivation(id))
        {
            Assert.True(DateTime.UtcNow < deadline, "the grain did not deactivate within 20 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
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
