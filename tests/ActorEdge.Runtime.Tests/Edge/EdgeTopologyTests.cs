using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Placement;
using ActorEdge.Runtime.Edge;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Placement;

namespace ActorEdge.Runtime.Tests.Edge;

public sealed class EdgeTopologyTests
{
    private static readonly SiloAddress A = new(new IPEndPoint(IPAddress.Loopback, 1001), 1);
    private static readonly SiloAddress B = new(new IPEndPoint(IPAddress.Loopback, 1002), 1);
    private static readonly SiloAddress C = new(new IPEndPoint(IPAddress.Loopback, 1003), 1);
    private static readonly SiloAddress Unknown = new(new IPEndPoint(IPAddress.Loopback, 1009), 1);

    private static SiloEntry Entry(SiloAddress address, string node) => new(address, address.ToString(), node, null, SiloStatus.Active, default);

    private static EdgeTopology Topology(EdgeOptions options) =>
        new(options, "a", () => [Entry(A, "a"), Entry(B, "b"), Entry(C, "c")]);

    [Fact]
    public void Latency_MeasuredRoundTrips_FillUnconfiguredPairsOfTheLocalNodeAndOverrideOnlyWhenPreferred()
    {
        var options = new EdgeOptions { DefaultLatencyMs = 77 };
        options.SetLatency("a", "b", 5);
        var topology = Topology(options);
        Assert.Null(topology.MeasuredLatency("c"));

        topology.RecordRoundTrip("b", 12);
        topology.RecordRoundTrip("c", 20);
        topology.RecordRoundTrip("c", 28);

        Assert.Equal(22, topology.MeasuredLatency("c"));
        Assert.Equal(5, topology.Latency("a", "b"));
        Assert.Equal(22, topology.Latency("a", "c"));
        Assert.Equal(22, topology.Latency("c", "a"));
        // Only the local node's pairs are measured here.
        Assert.Equal(77, topology.Latency("b", "c"));

        options.PreferMeasuredLatencies = true;
        Assert.Equal(12, topology.Latency("a", "b"));
    }

    [Fact]
    public void Latency_SameNodeIsZero_ConfiguredPairIsSymmetric_UnknownPairUsesTheDefault()
    {
        var options = new EdgeOptions { DefaultLatencyMs = 77 };
        options.SetLatency("a", "b", 5);
        options.Latencies["c"] = new() { ["a"] = 40 };
        var topology = Topology(options);

        Assert.Equal(0, topology.Latency("a", "a"));
        Assert.Equal(5, topology.Latency("a", "b"));
        Assert.Equal(5, topology.Latency("b", "a"));
        Assert.Equal(40, topology.Latency("a", "c"));
        Assert.Equal(77, topology.Latency("b", "c"));
        Assert.Equal(77, topology.Latency("x", "y"));
    }

    [Fact]
    public void NearestSilos_OrdersByLatencyFromTheNode_UnknownSilosLast()
    {
        var options = new EdgeOptions().SetLatency("a", "b", 30).SetLatency("a", "c", 10);
        var topology = Topology(options);

        Assert.Equal([A, C, B], topology.NearestSilos("a", [Unknown, B, C, A]).Take(3));
        Assert.Equal(Unknown, topology.NearestSilos("a", [Unknown, B, C, A])[3]);
        Assert.Equal("b", topology.NodeOf(B));
        Assert.Null(topology.NodeOf(Unknown));
    }

    [Fact]
    public void EdgeDirector_PlacesOnTheOriginNode_ElseTheNearestNode_ElseLocally()
    {
        var options = new EdgeOptions().SetLatency("x", "c", 3).SetLatency("x", "b", 9);
        var director = new EdgePlacementDirector(Topology(options));
        var context = new FixedContext(A, [A, B, C]);
        var grain = GrainId.Create("edge", Guid.Empty);

        Assert.Equal(B, director.OnAddActivation(EdgePlacement.Instance, new PlacementTarget(grain, null, "b"), context));
        Assert.Equal(C, director.OnAddActivation(EdgePlacement.Instance, new PlacementTarget(grain, null, "x"), context));
        Assert.Equal(A, director.OnAddActivation(EdgePlacement.Instance, new PlacementTarget(grain, null, null), context));
        // An unknown origin is equally far from every node: the local silo wins the tie.
        Assert.Equal(A, director.OnAddActivation(EdgePlacement.Instance, new PlacementTarget(grain, null, "nowhere"), context));
    }

    [Fact]
    public async Task CallOrigin_FlowsIntoAsyncContinuations_AndIsIndependentPerFlow()
    {
        CallOrigin.Set("n1");
        await Task.Yield();
        Assert.Equal("n1", CallOrigin.Current);
        var other = Task.Run(() =>
        {
            CallOrigin.Set("n2");
            return CallOrigin.Current;
        });
        Assert.Equal("n2", await other);
        Assert.Equal("n1", CallOrigin.Current);
        CallOrigin.Set(null);
        Assert.Null(CallOrigin.Current);
    }

    private sealed class FixedContext(SiloAddress local, SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => local;

        public IReadOnlyList<SiloAddress> GetCompatibleSilos(PlacementTarget target) => silos;
    }
}
