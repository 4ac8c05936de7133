using ActorEdge.Testing;

namespace ActorEdge.Persistence.Etcd;

/// <summary>The shared storage contract, against a real etcd.</summary>
public sealed class EtcdGrainStorageConformanceTests(EtcdStorageFixture etcd) : GrainStorageTestsBase, IAsyncDisposable
{
    private readonly EtcdGrainStorage _storage = etcd.CreateStorage($"conformance-{Guid.NewGuid():N}");

    protected override IGrainStorage Storage => _storage;

    public ValueTask DisposeAsync() => _storage.DisposeAsync();
}
