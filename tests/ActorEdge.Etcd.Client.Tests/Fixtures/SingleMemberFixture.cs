using ActorEdge.Etcd.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(ActorEdge.Etcd.SingleMemberFixture))]

namespace ActorEdge.Etcd;

/// <summary>One etcd member shared by the tests of this assembly that do not stop it.</summary>
public sealed class SingleMemberFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public EtcdClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(1);
        Client = Cluster.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
