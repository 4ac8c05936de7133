using ActorEdge.Hosting;
using ActorEdge.Runtime.Edge;
using ActorEdge.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Edge;

public sealed class LatencyProberTests
{
    [Fact]
    public async Task Silos_OnDifferentNodes_MeasureEachOthersRoundTripAndUseItForUnconfiguredPairs()
    {
        string[] nodes = ["north", "south", "south"];
        await using var cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos((s, i) =>
        {
            s.Configure<SiloOptions>(o => o.NodeName = nodes[i]);
            s.Configure<EdgeOptions>(o => o.LatencyProbeInterval = TimeSpan.FromMilliseconds(50));
        }));
        var north = cluster.Silos[0].Services.GetRequiredService<IEdgeTopology>();
        var south = cluster.Silos[1].Services.GetRequiredService<IEdgeTopology>();

        await Wait.UntilAsync(() => north.MeasuredLatency("south") is not null && south.MeasuredLatency("north") is not null, "both nodes to measure the other");

        Assert.True(north.MeasuredLatency("south") > 0);
        Assert.Equal(north.MeasuredLatency("south"), north.Latency("north", "south"));
        // A silo never probes its own node.
        Assert.Null(south.MeasuredLatency("south"));
    }
}
