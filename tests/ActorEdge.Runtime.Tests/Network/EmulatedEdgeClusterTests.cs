using System.Diagnostics;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;
using ActorEdge.TestingHost.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorEdge.Runtime.Tests.Network;

/// <summary>A <see cref="TestCluster"/> whose silo links go through delaying proxies (<see cref="TestClusterOptions.EmulatedEdge"/>).</summary>
public sealed class EmulatedEdgeClusterTests
{
    private const double InterNodeMs = 10;
    private const double IntraNodeMs = 1;

    private static Task<TestCluster> StartAsync(TimeSpan? responseTimeout = null) =>
        Clusters.StartAsync(2, b => b.Options.EmulatedEdge = new EmulatedEdgeOptions
        {
            SiloNode = index => index == 0 ? "node-a" : "node-b",
            IntraNodeDelayMs = IntraNodeMs,
            DefaultDelayMs = 50,
        }.SetDelay("node-a", "node-b", InterNodeMs), responseTimeout);

    /// <summary>Activates a prefer-local probe on <paramref name="host"/> and returns a reference to it held by <paramref name="caller"/>.</summary>
    private static async Task<ILocalProbeGrain> ActivateOnAsync(SiloHandle host, SiloHandle caller)
    {
        var key = Clusters.NewKey();
        var placed = await host.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify();
        Assert.Equal(host.Address.ToString(), placed.Silo);
        return caller.GrainFactory.GetGrain<ILocalProbeGrain>(key);
    }

    [Fact]
    public async Task Call_BetweenNodes_TakesAtLeastTheRoundTrip()
    {
        await using var cluster = await StartAsync();
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var probe = await ActivateOnAsync(b, a);
        Assert.Equal(b.Address.ToString(), (await probe.Identify()).Silo); // connection set up

        var fastest = TimeSpan.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(b.Address.ToString(), (await probe.Identify()).Silo);
            fastest = watch.Elapsed < fastest ? watch.Elapsed : fastest;
        }

        // The proxy never delivers early, so no call beats one delay each way.
        Assert.True(fastest.TotalMilliseconds >= 2 * InterNodeMs, $"fastest call took {fastest.TotalMilliseconds:F2} ms, below the {2 * InterNodeMs} ms round trip");
        Assert.True(cluster.GetSiloLink(a, b).ConnectionCount >= 1);
    }

    [Fact]
    public async Task Links_HaveTheDelaysOfTheirNodes()
    {
        await using var cluster = await StartAsync();
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);

        Assert.Equal(new LinkProfile(TimeSpan.FromMilliseconds(InterNodeMs)), cluster.GetSiloLink(a, b).Upstream);
        Assert.Equal(new LinkProfile(TimeSpan.FromMilliseconds(InterNodeMs)), cluster.GetSiloLink(b, a).Downstream);
        Assert.Equal(new LinkProfile(TimeSpan.FromMilliseconds(IntraNodeMs)), cluster.GetClientLink(a).Upstream);
        Assert.Equal(new LinkProfile(TimeSpan.FromMilliseconds(InterNodeMs)), cluster.GetClientLink(b).Upstream);
        await using var store = cluster.CreateLink("node-b", "cloud", b.Address.Endpoint);
        Assert.Equal(new LinkProfile(TimeSpan.FromMilliseconds(50)), store.Upstream);
    }

    [Fact]
    public async Task Silos_EdgeOptionsMatchTheClusterNodes()
    {
        await using var cluster = await StartAsync();

        Assert.Equal(["node-a", "node-b"], cluster.Silos.Select(s => s.NodeName));
        foreach (var silo in cluster.Silos)
        {
            var edge = silo.Services.GetRequiredService<IOptions<EdgeOptions>>().Value;
            Assert.Equal(2 * InterNodeMs, edge.Latencies["node-a"]["node-b"]);
            Assert.Equal(2 * InterNodeMs, edge.Latencies["node-b"]["node-a"]);
            Assert.Equal(100, edge.DefaultLatencyMs);
        }
        Assert.Equal(cluster.GetClientLink(cluster.Silos[0]).EndPoint.Port, (await ClientPortsAsync(cluster)).Single());
    }

    /// <summary>The proxy ports the client's connections go to: its gateway link's, not the silo's own.</summary>
    private static Task<int[]> ClientPortsAsync(TestCluster cluster)
    {
        var links = cluster.Silos.Select(s => cluster.GetClientLink(s)).Where(l => l.ConnectionCount > 0).Select(l => l.EndPoint.Port).ToArray();
        return Task.FromResult(links);
    }

    [Fact]
    public async Task CutLink_FailsCallsOverIt_AndHealRestoresThem()
    {
        await using var cluster = await StartAsync(responseTimeout: TimeSpan.FromSeconds(2));
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var overTheLink = await ActivateOnAsync(b, a);
        var local = await ActivateOnAsync(a, a);
        Assert.Equal(b.Address.ToString(), (await overTheLink.Identify()).Silo);

        var link = cluster.GetSiloLink(a, b);
        link.Cut(LinkCut.Reset);
        // The link accepts and resets every connection: the request is never written, so the
        // caller addresses it again until it gives up (target unreachable) or its timeout passes.
        var error = await Record.ExceptionAsync(() => Wait.For(overTheLink.Identify(), "a call over the cut link to fail"));
        Assert.True(
            error is TimeoutException || (error is GrainException && error.Message.Contains("is unreachable", StringComparison.Ordinal)),
            $"expected an unreachable silo or a timeout, got {error}");
        Assert.Equal(a.Address.ToString(), (await local.Identify()).Silo);

        link.Heal();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return (await overTheLink.Identify()).Silo == b.Address.ToString();
            }
            catch (Exception e) when (e is SiloUnavailableException or TimeoutException)
            {
                return false;
            }
        }, "a call over the healed link succeeds");
        Assert.False(a.ConsidersDead(b.Address));
    }
}
