using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Testing;

namespace ActorEdge.Clustering.Etcd;

/// <summary>The shared membership contract, against a real etcd.</summary>
public sealed class EtcdMembershipTableConformanceTests(EtcdClusteringFixture etcd) : MembershipTableTestsBase, IAsyncDisposable
{
    private readonly EtcdSiloLease _lease = etcd.CreateLease($"membership-{Guid.NewGuid():N}", TimeSpan.FromSeconds(10));

    protected override IMembershipTable Table => new EtcdMembershipTable(_lease, TimeProvider.System);

    public ValueTask DisposeAsync() => _lease.DisposeAsync();
}

/// <summary>The shared directory contract, against a real etcd.</summary>
public sealed class EtcdGrainDirectoryConformanceTests(EtcdClusteringFixture etcd) : GrainDirectoryTestsBase, IAsyncDisposable
{
    private readonly EtcdSiloLease _lease = etcd.CreateLease($"directory-{Guid.NewGuid():N}", TimeSpan.FromSeconds(10));

    protected override IGrainDirectory Directory => new EtcdGrainDirectory(_lease);

    public ValueTask DisposeAsync() => _lease.DisposeAsync();
}
