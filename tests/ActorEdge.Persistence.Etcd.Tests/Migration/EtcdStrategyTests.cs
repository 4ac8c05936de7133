using ActorEdge.Etcd.Testing;
using ActorEdge.Hosting;
using ActorEdge.Serialization;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>One single-member etcd per edge node (node-0, node-1, node-2), as the Reactive strategy runs them.</summary>
public sealed class NodeLocalEtcdsFixture : IAsyncLifetime
{
    public EtcdCluster[] Nodes { get; } = new EtcdCluster[3];

    public async ValueTask InitializeAsync()
    {
        for (var i = 0; i < Nodes.Length; i++)
        {
            Nodes[i] = await EtcdCluster.StartAsync([$"node-{i}"]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}

/// <summary>One etcd cluster with a member per edge node (node-0, node-1, node-2), as the Proactive strategy runs it.</summary>
public sealed class MemberPerNodeEtcdFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(["node-0", "node-1", "node-2"]);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

/// <summary>The Reactive strategy on a single-member etcd per node: the record moves into the target node's etcd.</summary>
public sealed class EtcdReactiveStrategyTests(NodeLocalEtcdsFixture etcds) : MigrationStrategyTestsBase, IClassFixture<NodeLocalEtcdsFixture>
{
    private readonly string _prefix = $"reactive-{Guid.NewGuid():N}";

    protected override MigrationStrategy Strategy => MigrationStrategy.Reactive;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.AddEtcdGrainStorage(StorageNames.Reactive, o =>
        {
            o.Client.Endpoints.Add(etcds.Nodes[index].ClientUrls[0]);
            o.KeyPrefix = _prefix;
            o.Migration = EtcdMigrationMode.NodeLocal;
            o.CompactionInterval = null;
        });

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        // The record is in the etcd of the host's node, and in no other node's.
        var key = $"{_prefix}/{grainId.Type}/{grainId.Key}/state";
        var holders = new List<int>();
        for (var i = 0; i < etcds.Nodes.Length; i++)
        {
            await using var client = etcds.Nodes[i].CreateClient();
            if (await client.GetValueAsync(key) is { } kv)
            {
                holders.Add(i);
                Assert.Equal(count, Serializer.Deserialize<StrategyState>(kv.Value.Span).Count);
            }
        }
        Assert.Equal([hostIndex], holders);
    }
}

/// <summary>The Proactive strategy on an etcd cluster with a member per node: only compute moves, the leader follows.</summary>
public sealed class EtcdProactiveStrategyTests(MemberPerNodeEtcdFixture etcd) : MigrationStrategyTestsBase, IClassFixture<MemberPerNodeEtcdFixture>
{
    private readonly string _prefix = $"proactive-{Guid.NewGuid():N}";

    protected override MigrationStrategy Strategy => MigrationStrategy.Proactive;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.AddEtcdGrainStorage(StorageNames.Proactive, o =>
        {
            var local = $"node-{index}";
            o.Client.Endpoints.Add(etcd.Cluster[local].ClientUrl);
            foreach (var member in etcd.Cluster.Members)
            {
                if (member.Name != local)
                {
                    o.Client.Endpoints.Add(member.ClientUrl);
                }
            }
            o.KeyPrefix = _prefix;
            o.Migration = EtcdMigrationMode.Replicated;
            // Every migration moves the leader, so where it ends is exact.
            o.LeaderMoveCooldown = TimeSpan.Zero;
            // The suite checks the leader sits on the host's member once a migration returns.
            o.AwaitLeaderMove = true;
            o.CompactionInterval = null;
        });

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        Assert.Equal(cluster.Silos[hostIndex].NodeName, (await etcd.Cluster.WaitForLeaderAsync()).Name);
        await using var client = etcd.Cluster.CreateClient();
        var kv = await client.GetValueAsync($"{_prefix}/{grainId.Type}/{grainId.Key}/state");
        Assert.Equal(count, Serializer.Deserialize<StrategyState>(kv!.Value.Span).Count);
    }
}
