using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Infrastructure;

/// <summary>Starts test clusters with the settings these tests share.</summary>
internal static class Clusters
{
    /// <summary>
    /// Deploys a cluster of <paramref name="silos"/> silos with memory storage "store" on each silo,
    /// a client, and the given response timeout on silos and client.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int silos, Action<TestClusterBuilder>? configure = null, TimeSpan? responseTimeout = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.ConfigureSilos(s =>
        {
            if (responseTimeout is { } timeout)
            {
                s.Configure<MessagingOptions>(o => o.ResponseTimeout = timeout);
            }
        });
        configure?.Invoke(builder);
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Connects an extra client with the given response timeout (the caller disposes it).</summary>
    public static Task<ActorEdge.Client.ClusterClient> ConnectClientAsync(TestCluster cluster, TimeSpan responseTimeout) =>
        cluster.ConnectClientAsync(o => o.ResponseTimeout = responseTimeout);

    public static GrainId IdOf(object grain) => ((GrainReference)grain).GrainId;

    public static string NewKey() => Guid.NewGuid().ToString("N");
}
