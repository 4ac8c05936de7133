using ActorEdge.Etcd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

[assembly: AssemblyFixture(typeof(ActorEdge.Clustering.Etcd.EtcdClusteringFixture))]

namespace ActorEdge.Clustering.Etcd;

/// <summary>One etcd member shared by the clustering tests; each test uses its own key prefix.</summary>
public sealed class EtcdClusteringFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(1);

    /// <summary>A silo's connection and lease (short TTL) under <paramref name="prefix"/>.</summary>
    internal EtcdSiloLease CreateLease(string prefix, TimeSpan? ttl = null) =>
        new(Cluster.CreateClient(), prefix, ttl ?? TimeSpan.FromSeconds(2), NullLogger.Instance);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
