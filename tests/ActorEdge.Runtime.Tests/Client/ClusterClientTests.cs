using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;

namespace ActorEdge.Runtime.Tests.Client;

public sealed class ClusterClientTests
{
    [Fact]
    public async Task SendRequest_GatewayKilled_InFlightCallFailsWithSiloUnavailableAndNextCallsGoThroughAnotherGateway()
    {
        await using var cluster = await Clusters.StartAsync(3);
        var gateway = cluster.Silos[1];
        await using var client = await cluster.ConnectClientAsync(o =>
        {
            o.Gateways.Clear();
            o.Gateways.Add(gateway.Address.Endpoint);
            o.Gateways.Add(cluster.Silos[0].Address.Endpoint);
        });
        Assert.Equal(gateway.Address, client.Gateway);
        // A grain on silo 0 that blocks, called through the doomed gateway.
        var key = Clusters.NewKey();
        var probe = Probe.For(key);
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[0].Address.ToString());
        var inFlight = client.GetGrain<IGateGrain>(key).Block();
        RequestContext.Clear();
        await Wait.For(probe.Entered.Task, "the blocking call to reach its grain");

        await cluster.KillSiloAsync(gateway);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => Wait.For(inFlight, "the in-flight call to fail"));
        probe.Gate.SetResult();
        for (var i = 0; i < 5; i++)
        {
            var placed = await client.GetGrain<IRandomProbeGrain>(Clusters.NewKey()).Identify();
            Assert.NotEqual(gateway.Address.ToString(), placed.Silo);
        }
        await client.GetGrain<IGateGrain>(key).Normal();
        Assert.NotNull(client.Gateway);
        Assert.NotEqual(gateway.Address, client.Gateway);
    }
}
