using System.Globalization;
using ActorEdge.Hosting;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal.Migration;

/// <summary>The shared strategy suite for Reactive on real NodeLocal stores: each silo its own directory, the record file moves with the grain.</summary>
public sealed class NodeLocalReactiveStrategyTests : MigrationStrategyTestsBase, IDisposable
{
    private readonly TempDirectory[] _roots = [new(), new(), new()];

    protected override MigrationStrategy Strategy => MigrationStrategy.Reactive;

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            root.Dispose();
        }
    }

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.AddNodeLocalGrainStorage(StorageNames.Reactive, o => o.RootPath = _roots[index].Path);

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        var host = (NodeLocalGrainStorage)cluster.Silos[hostIndex].Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive);
        var relative = Path.GetRelativePath(host.RootPath, host.PathOf(grainId, "state"));

        // The record file is on the host's node only (killed silos included: their directories stay).
        Assert.Equal([hostIndex], Enumerable.Range(0, _roots.Length).Where(i => File.Exists(Path.Combine(_roots[i].Path, relative))).ToArray());
        var stored = new GrainState<StrategyState>(new StrategyState());
        await host.ReadStateAsync("state", grainId, stored, TestContext.Current.CancellationToken);
        Assert.Equal(count, stored.State.Count);
        // One version per write (each call writes once): the version travelled with every move.
        Assert.Equal(count.ToString(CultureInfo.InvariantCulture), stored.ETag);
    }
}
