using ActorEdge.TestingHost;

namespace ActorEdge.Benchmarks.Infrastructure;

/// <summary>
/// Two silos over loopback TCP with echo grains activated where the benchmarks need them:
/// <see cref="Local"/> grains live on silo A and are called from A's grain factory;
/// <see cref="Remote"/> grains live on silo B and are called from A's grain factory.
/// </summary>
public sealed class EchoCluster : IAsyncDisposable
{
    // Keys of remote grains start here so the two sets never share an activation.
    private const long RemoteKeyBase = 1_000_000;

    private readonly TestCluster _cluster;

    private EchoCluster(TestCluster cluster, IEchoGrain[] local, IEchoGrain[] remote)
    {
        _cluster = cluster;
        Local = local;
        Remote = remote;
    }

    /// <summary>Grains on silo A, as seen from silo A.</summary>
    public IEchoGrain[] Local { get; }

    /// <summary>Grains on silo B, as seen from silo A.</summary>
    public IEchoGrain[] Remote { get; }

    public static async Task<EchoCluster> StartAsync(int grainCount)
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.ConnectClient = false;
        var cluster = builder.Build();
        await cluster.DeployAsync().ConfigureAwait(false);
        var a = cluster.Silos[0];
        var b = cluster.Silos[1];

        var local = new IEchoGrain[grainCount];
        var remote = new IEchoGrain[grainCount];
        for (var i = 0; i < grainCount; i++)
        {
            local[i] = a.GrainFactory.GetGrain<IEchoGrain>(i);
            await local[i].Echo(i).ConfigureAwait(false);

            // [PreferLocalPlacement]: the first call, from B, activates the grain on B.
            await b.GrainFactory.GetGrain<IEchoGrain>(RemoteKeyBase + i).Echo(i).ConfigureAwait(false);
            remote[i] = a.GrainFactory.GetGrain<IEchoGrain>(RemoteKeyBase + i);
            // Warms A's directory cache and the A->B and B->A connections.
            await remote[i].Echo(i).ConfigureAwait(false);

            Require(cluster.GetHostingSilo(local[i]) == a, $"local grain {i} is not on silo A");
            Require(cluster.GetHostingSilo(remote[i]) == b, $"remote grain {i} is not on silo B");
        }
        return new EchoCluster(cluster, local, remote);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark setup failed: {message}.");
        }
    }
}
