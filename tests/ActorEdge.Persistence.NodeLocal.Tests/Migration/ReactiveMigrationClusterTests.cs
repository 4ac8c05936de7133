using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Management;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal.Migration;

/// <summary>The runtime's Reactive migration over real NodeLocal stores: three silos, each with its own directory.</summary>
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
    public async Task MigrateAsync_200TimesUnderThreeCallers_StateIsExactAndTheRecordFileIsOnlyOnTheHost()
    {
        const int Migrations = 200;
        var builder = new TestClusterBuilder(3);
        builder.ConfigureSilos((silo, index) => silo.AddNodeLocalGrainStorage(StorageNames.Reactive, o => o.RootPath = _roots[index].Path));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = cluster.GrainFactory.GetGrain<INodeLocalReactiveGrain>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[0].Address.ToString());
        try
        {
            Assert.Equal(cluster.Silos[0].Address.ToString(), await grain.Where());
        }
        finally
        {
            RequestContext.Clear();
        }
        var id = ((GrainReference)grain).GrainId;
        var stores = cluster.Silos.Select(s => (NodeLocalGrainStorage)s.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive)).ToArray();
        var files = stores.Select(s => s.PathOf(id, "s")).ToArray();
        Assert.Equal(3, files.Distinct().Count());

        var callers = new (string Name, IGrainFactory Factory)[]
        {
            ("client", cluster.GrainFactory),
            ("silo-1", cluster.Silos[1].GrainFactory),
            ("silo-2", cluster.Silos[2].GrainFactory),
        };
        var acknowledged = new int[callers.Length];
        var answers = new List<int>[callers.Length];
        using var stop = new CancellationTokenSource();
        var calling = new Task[callers.Length];
        for (var c = 0; c < callers.Length; c++)
        {
            var index = c;
            answers[index] = [];
            calling[c] = Task.Run(async () =>
            {
                var target = callers[index].Factory.GetGrain<INodeLocalReactiveGrain>(key);
                for (var sequence = 1; !stop.IsCancellationRequested; sequence++)
                {
                    answers[index].Add(await target.Call(callers[index].Name, sequence));
                    acknowledged[index] = sequence;
                }
            }, TestContext.Current.CancellationToken);
        }

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var migrated = 0;
        var attempts = 0;
        await Task.Run(async () =>
        {
            while (migrated < Migrations)
            {
                if (await management.MigrateAsync(id, cluster.Silos[++attempts % 3].Address))
                {
                    migrated++;
                }
            }
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(180), TestContext.Current.CancellationToken);
        stop.Cancel();
        await Task.WhenAll(calling).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // Every request ran exactly once, in order per caller, and each answer is a distinct count.
        var total = 0;
        for (var c = 0; c < callers.Length; c++)
        {
            Assert.Equal(Enumerable.Range(1, acknowledged[c]).ToArray(), await grain.Received(callers[c].Name));
            total += acknowledged[c];
        }
        var allAnswers = answers.SelectMany(a => a).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, total).ToArray(), allAnswers);
        Assert.Equal(total, await grain.Count());
        Assert.Equal(1, ActivationTracker.For(key).MaxAlive);
        Assert.Equal(1, ActivationTracker.For(key).MaxInside);

        // The record lives only on the host's node, with one version per write (the version travelled each time).
        var where = await grain.Where();
        var host = cluster.Silos.ToList().FindIndex(s => s.Address.ToString() == where);
        Assert.Equal([host], Enumerable.Range(0, 3).Where(i => File.Exists(files[i])).ToArray());
        var stored = new GrainState<ReactiveCounterState>(new ReactiveCounterState());
        await stores[host].ReadStateAsync("s", id, stored, TestContext.Current.CancellationToken);
        Assert.Equal(total, stored.State.Value);
        Assert.Equal(total.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.ETag);
        foreach (var root in _roots)
        {
            Assert.Empty(Directory.GetFiles(root.Path, "*.tmp", SearchOption.AllDirectories));
        }
        Assert.True(total >= Migrations / 2, $"only {total} calls ran during {Migrations} migrations");
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
        Assert.Equal([2], Enumerable.Range(0, 3).Where(i => File.Exists(stores[i].PathOf(id, "s"))).ToArray());
        var stored = new GrainState<ReactiveCounterState>(new ReactiveCounterState());
        await stores[2].ReadStateAsync("s", id, stored, TestContext.Current.CancellationToken);
        Assert.Equal(6, stored.State.Value);
        Assert.Equal("6", stored.ETag);
    }

    private static async Task<INodeLocalReactiveGrain> ActivateOnAsync(TestCluster cluster, string key, int silo)
    {
        var grain = cluster.GrainFactory.GetGrain<INodeLocalReactiveGrain>(key);
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
