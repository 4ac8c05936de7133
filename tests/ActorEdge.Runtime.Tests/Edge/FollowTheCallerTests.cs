using ActorEdge.Hosting;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Edge;

public sealed class FollowTheCallerTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos(s =>
        s.Configure<EdgeOptions>(o =>
        {
            o.FollowTheCaller.Enabled = true;
            o.FollowTheCaller.WindowSize = 4;
            o.FollowTheCaller.CoolDown = TimeSpan.Zero;
        })));

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private Task<ActorEdge.Client.ClusterClient> ClientThrough(SiloHandle gateway) =>
        _cluster.ConnectClientAsync(o =>
        {
            o.Gateways.Clear();
            o.Gateways.Add(gateway.Address.Endpoint);
        });

    [Fact]
    public async Task CallerMovesToAnotherGateway_TheGrainFollows()
    {
        await using var first = await ClientThrough(_cluster.Silos[0]);
        await using var second = await ClientThrough(_cluster.Silos[1]);
        var key = Clusters.NewKey();
        Assert.Equal(_cluster.Silos[0].Address.ToString(), (await first.GetGrain<IEdgeProbeGrain>(key).Identify()).Silo);

        var target = _cluster.Silos[1].Address.ToString();
        await Wait.UntilAsync(async () => (await second.GetGrain<IEdgeProbeGrain>(key).Identify()).Silo == target, "the grain to follow its caller to silo 1");
    }

    [Fact]
    public async Task AlternatingCallers_DoNotMakeTheGrainPingPong()
    {
        await using var first = await ClientThrough(_cluster.Silos[0]);
        await using var second = await ClientThrough(_cluster.Silos[1]);
        var key = Clusters.NewKey();
        var original = await first.GetGrain<IEdgeProbeGrain>(key).Identify();

        for (var i = 0; i < 40; i++)
        {
            var client = i % 2 == 0 ? second : first;
            var seen = await client.GetGrain<IEdgeProbeGrain>(key).Identify();
            Assert.Equal(original, seen);
        }
    }

    [Fact]
    public async Task CallerMovesButAMoveWouldCostMoreThanItSaves_TheGrainStays()
    {
        // Same setup as CallerMovesToAnotherGateway_TheGrainFollows, but a move is believed to
        // take 10 s: 30 s × the latency gain does not pay for the calls it would delay.
        await using var cluster = await Clusters.StartAsync(3, b => b.ConfigureSilos(s =>
            s.Configure<EdgeOptions>(o =>
            {
                o.FollowTheCaller.Enabled = true;
                o.FollowTheCaller.WindowSize = 4;
                o.FollowTheCaller.CoolDown = TimeSpan.Zero;
                o.FollowTheCaller.InitialMigrationCostMs = 10_000;
            })));
        await using var first = await cluster.ConnectClientAsync(o => { o.Gateways.Clear(); o.Gateways.Add(cluster.Silos[0].Address.Endpoint); });
        await using var second = await cluster.ConnectClientAsync(o => { o.Gateways.Clear(); o.Gateways.Add(cluster.Silos[1].Address.Endpoint); });
        var key = Clusters.NewKey();
        var original = await first.GetGrain<IEdgeProbeGrain>(key).Identify();
        Assert.Equal(cluster.Silos[0].Address.ToString(), original.Silo);

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(original, await second.GetGrain<IEdgeProbeGrain>(key).Identify());
        }
    }
}
