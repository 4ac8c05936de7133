using Microsoft.Extensions.DependencyInjection;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Edge;

public sealed class EdgePlacementTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(3);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private async Task<ActorEdge.Client.ClusterClient> ClientThrough(SiloHandle gateway) =>
        await _cluster.ConnectClientAsync(o =>
        {
            o.Gateways.Clear();
            o.Gateways.Add(gateway.Address.Endpoint);
        });

    [Fact]
    public async Task ClientThroughAGateway_NewActivationLandsOnTheGatewaysNode()
    {
        foreach (var gateway in _cluster.Silos)
        {
            await using var client = await ClientThrough(gateway);
            for (var i = 0; i < 3; i++)
            {
                var placed = await client.GetGrain<IEdgeProbeGrain>(Clusters.NewKey()).Identify();

                Assert.Equal(gateway.Address.ToString(), placed.Silo);
            }
        }
    }

    [Fact]
    public async Task GrainToGrainCall_InheritsTheOriginNode_OfTheRequestBeingServed()
    {
        foreach (var gateway in _cluster.Silos)
        {
            await using var client = await ClientThrough(gateway);
            for (var i = 0; i < 3; i++)
            {
                // The relay is hash-placed, usually on another silo than the gateway.
                var placed = await client.GetGrain<IEdgeRelayGrain>(Clusters.NewKey()).IdentifyEdge(Clusters.NewKey());

                Assert.Equal(gateway.Address.ToString(), placed.Silo);
            }
        }
    }

    [Fact]
    public async Task SiloCallerOutsideAnyTurn_PlacesOnItsOwnSilo()
    {
        foreach (var silo in _cluster.Silos)
        {
            var placed = await silo.GrainFactory.GetGrain<IEdgeProbeGrain>(Clusters.NewKey()).Identify();

            Assert.Equal(silo.Address.ToString(), placed.Silo);
        }
    }
}

public sealed class EdgePlacementNearestNodeTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos(s =>
        // node-0 has no route to itself in this test: its callers come through a silo of "edge-x".
        s.Configure<EdgeOptions>(o => o.SetLatency("edge-x", "node-0", 50).SetLatency("edge-x", "node-1", 40).SetLatency("edge-x", "node-2", 5))));

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task OriginWithoutASilo_PlacesOnTheNearestNodeByTheMatrix()
    {
        var silo0 = _cluster.Silos[0];
        var key = Clusters.NewKey();
        var grainId = Clusters.IdOf(silo0.GrainFactory.GetGrain<IEdgeProbeGrain>(key));

        var chosen = silo0.Services.GetRequiredService<SiloRuntime>().Placement.Place(grainId, ActorEdge.Placement.EdgePlacement.Instance, null, "edge-x");

        Assert.Equal(_cluster.Silos[2].Address, chosen);
    }
}
