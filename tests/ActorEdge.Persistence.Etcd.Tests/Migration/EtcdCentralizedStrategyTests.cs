using ActorEdge.Hosting;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>The Centralized strategy on one real etcd: only compute moves, the ETag (mod_revision) stays valid at the central store.</summary>
public sealed class EtcdCentralizedStrategyTests(EtcdStorageFixture etcd) : MigrationStrategyTestsBase
{
    private readonly string _prefix = $"centralized-{Guid.NewGuid():N}";

    protected override MigrationStrategy Strategy => MigrationStrategy.Centralized;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.AddEtcdGrainStorage(StorageNames.Centralized, o => o.Configure(options =>
        {
            options.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
            options.KeyPrefix = _prefix;
            options.CompactionInterval = null;
        }));

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        // One record, in etcd, whatever silo hosts the grain: the central store is the only home.
        var keys = (await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "--keys-only")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(keys);
    }
}
