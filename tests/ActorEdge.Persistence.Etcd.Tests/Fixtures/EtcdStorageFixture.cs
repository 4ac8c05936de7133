using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

[assembly: AssemblyFixture(typeof(ActorEdge.Persistence.Etcd.EtcdStorageFixture))]

namespace ActorEdge.Persistence.Etcd;

/// <summary>One etcd member shared by the storage tests that do not stop it.</summary>
public sealed class EtcdStorageFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public EtcdClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(1);
        Client = Cluster.CreateClient();
    }

    internal EtcdGrainStorage CreateStorage(string prefix, Action<EtcdStorageOptions>? configure = null, EtcdCluster? cluster = null)
    {
        var options = new EtcdStorageOptions { KeyPrefix = prefix, CompactionInterval = null };
        foreach (var url in (cluster ?? Cluster).ClientUrls)
        {
            options.Client.Endpoints.Add(url);
        }
        configure?.Invoke(options);
        return new EtcdGrainStorage("test", prefix, options, new EtcdClient(options.Client), ownsClient: true, NullLogger.Instance, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
