using System.Net;
using ActorEdge.Etcd.Testing;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt;
using ActorEdge.Persistence.Etcd;
using ActorEdge.Redis.Testing;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// A store deployment for one run: how each silo reaches its state, and the processes to stop
/// afterwards. <see cref="ConfigureSilo"/> runs while the cluster builds each silo.
/// </summary>
internal sealed class FlavourDeployment(string description, Action<ISiloBuilder, int, TestCluster> configureSilo, Func<ValueTask>? stop = null) : IAsyncDisposable
{
    public string Description { get; } = description;

    /// <summary>
    /// A step the harness runs just before the grains migrate to the silo with the given index,
    /// measured as the named migration component (the store's part that its provider does not do yet).
    /// </summary>
    public (string Component, Func<int, Task> RunAsync)? BeforeMigration { get; init; }

    public void ConfigureSilo(ISiloBuilder silo, int index, TestCluster cluster) => configureSilo(silo, index, cluster);

    public ValueTask DisposeAsync() => stop?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>
/// One way to keep the producer's and consumer's state: a strategy (which grain classes run) and
/// a store flavour. <paramref name="Binary"/> is the program the flavour needs on PATH (null:
/// none); <paramref name="Pending"/> says why a flavour cannot run yet (its provider is missing).
/// </summary>
internal sealed record Flavour(
    string Name,
    MigrationStrategy Strategy,
    string StateHome,
    string? Binary,
    Func<Topology, Task<FlavourDeployment>>? DeployAsync,
    string? Pending = null);

/// <summary>The emulated edge of the scenario: nodes, delays, where the central store lives.</summary>
internal sealed record Topology(string[] SiloNodes, string StoreNode, double InterNodeMs, double IntraNodeMs, long InterNodeBytesPerSecond)
{
    /// <summary>THESIS.md §1's final scenario: three nodes 10 ms apart, 1 ms inside a node, the central store on a separate host.</summary>
    public static Topology Thesis(long bytesPerSecond = 0) => new(["node-1", "node-2", "node-3"], "cloud", 10, 1, bytesPerSecond);

    public EmulatedEdgeOptions ToEdgeOptions()
    {
        var edge = new EmulatedEdgeOptions
        {
            SiloNode = index => SiloNodes[index % SiloNodes.Length],
            ClientNode = SiloNodes[0],
            IntraNodeDelayMs = IntraNodeMs,
            DefaultDelayMs = InterNodeMs,
            InterNodeBytesPerSecond = InterNodeBytesPerSecond,
        };
        foreach (var node in SiloNodes)
        {
            edge.SetDelay(node, StoreNode, InterNodeMs);
        }
        return edge;
    }
}

/// <summary>The flavours the benchmarks know. Adding one is an entry here.</summary>
internal static class Flavours
{
    public static readonly Flavour[] All =
    [
        new("Memory", MigrationStrategy.Centralized, "one in-process dictionary, no network (baseline)", null, _ => Task.FromResult(Memory())),
        new("Centralized-Redis", MigrationStrategy.Centralized, "a redis-server process on the store node", "redis-server", RedisAsync),
        new("Centralized-etcd", MigrationStrategy.Centralized, "a single-member etcd process on the store node", "etcd", EtcdAsync),
        new("Reactive-NodeLocal", MigrationStrategy.Reactive, "a NodeLocal store (fsync'd files) in each silo's directory", null, _ => Task.FromResult(NodeLocal())),
        new("Reactive-Memory", MigrationStrategy.Reactive, "each silo's memory, moved with the grain (no disk: what moving a record costs without a durable store)", null, _ => Task.FromResult(NodeMemory())),
        new("Reactive-etcd", MigrationStrategy.Reactive, "a single-member etcd on each node (EtcdMigrationMode.NodeLocal)", "etcd", EtcdPerNodeAsync),
        new("Proactive-etcd", MigrationStrategy.Proactive, "an etcd cluster with a member per node (EtcdMigrationMode.Replicated: the hand-over waits for the provider's leader move; reads checked, so the target does not wait for its member)", "etcd", t => EtcdReplicatedAsync(t, awaitLeaderMove: true)),
        new("Proactive-etcd-background", MigrationStrategy.Proactive, "as Proactive-etcd with AwaitLeaderMove = false: the leader moves in the background", "etcd", t => EtcdReplicatedAsync(t, awaitLeaderMove: false)),
        new("Proactive-etcd-harness", MigrationStrategy.Proactive, "an etcd member per node (3), each silo on its own member; the harness moves the leader to the target's member before the grains move", "etcd", EtcdMemberPerNodeAsync),
        new("Proactive-CRDT", MigrationStrategy.Proactive, "a CRDT replica in each silo (journal fsync'd on the temp disk); the target waits until its replica has the source's version", null, _ => Task.FromResult(Crdt())),
    ];

    public static Flavour? Find(string name) => Array.Find(All, f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="flavour"/> cannot run here, or null when it can.</summary>
    public static string? Unavailable(Flavour flavour)
    {
        if (flavour.Pending is not null || flavour.DeployAsync is null)
        {
            return flavour.Pending ?? "no deployment defined";
        }
        if (flavour.Binary is { } binary && FindOnPath(binary) is null)
        {
            return $"'{binary}' is not installed (apt-get install {(binary == "etcd" ? "etcd-server" : binary)})";
        }
        return null;
    }

    private static FlavourDeployment Memory()
    {
        var shared = new SharedMemoryGrainStorage();
        return new FlavourDeployment(
            "shared in-process dictionary",
            (silo, _, _) => silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Centralized, shared));
    }

    private static FlavourDeployment NodeMemory() => new(
        "one in-memory store per silo, records moved by the runtime's storage migration",
        (silo, _, _) => silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Reactive, new NodeMemoryGrainStorage()));

    private static FlavourDeployment NodeLocal()
    {
        // On the temp disk, not tmpfs: the provider's fsyncs are part of what Reactive costs.
        var root = Path.Combine(Path.GetTempPath(), $"actoredge-thesis-nodelocal-{Environment.ProcessId}-{Guid.NewGuid():N}");
        return new FlavourDeployment(
            $"NodeLocal files under {root}/silo-N, records moved by the provider's storage migration",
            (silo, index, _) => silo.AddNodeLocalGrainStorage(StorageNames.Reactive, o => o.RootPath = Path.Combine(root, $"silo-{index}")),
            () =>
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
                return ValueTask.CompletedTask;
            });
    }

    private static FlavourDeployment Crdt()
    {
        var root = Path.Combine(Path.GetTempPath(), $"actoredge-thesis-crdt-{Environment.ProcessId}-{Guid.NewGuid():N}");
        return new FlavourDeployment(
            $"CRDT replicas in every silo, journals under {root}/silo-N, replication over the silo links",
            (silo, index, _) => silo
                .AddCrdtGrainStorage(StorageNames.Proactive, (CrdtStorageOptions _) => { })
                .ConfigureCrdtReplication(o => o.JournalDirectory = Path.Combine(root, $"silo-{index}")),
            () =>
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
                return ValueTask.CompletedTask;
            });
    }

    private static async Task<FlavourDeployment> RedisAsync(Topology topology)
    {
        var server = await RedisServerProcess.StartRedisAsync("--save", "", "--appendonly", "no").ConfigureAwait(false);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        return new FlavourDeployment(
            $"redis-server on {topology.StoreNode} (port {server.Port}), each silo through its own link",
            (silo, index, cluster) =>
            {
                var link = cluster.CreateLink(topology.SiloNodes[index % topology.SiloNodes.Length], topology.StoreNode, target);
                silo.AddRedisGrainStorage(StorageNames.Centralized, o =>
                {
                    o.Host = "127.0.0.1";
                    o.Port = link.EndPoint.Port;
                    o.CommandTimeout = TimeSpan.FromSeconds(30);
                });
            },
            server.DisposeAsync);
    }

    private static async Task<FlavourDeployment> EtcdAsync(Topology topology)
    {
        // Large values rewritten many times: a bigger quota, and frequent compaction by the provider.
        var etcd = await EtcdCluster.StartAsync(1, "--quota-backend-bytes", (8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-request-bytes", (16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var url = etcd.Members[0].ClientUrl;
        var target = new IPEndPoint(IPAddress.Loopback, url.Port);
        return new FlavourDeployment(
            $"etcd (1 member) on {topology.StoreNode} (port {url.Port}), each silo through its own link",
            (silo, index, cluster) =>
            {
                var link = cluster.CreateLink(topology.SiloNodes[index % topology.SiloNodes.Length], topology.StoreNode, target);
                silo.AddEtcdGrainStorage(StorageNames.Centralized, o =>
                {
                    o.Client.Endpoints.Add(new Uri($"http://127.0.0.1:{link.EndPoint.Port}"));
                    o.Client.RequestTimeout = TimeSpan.FromSeconds(30);
                    o.Client.MaxRequestBytes = 16 << 20;
                    o.CompactionInterval = TimeSpan.FromSeconds(2);
                    o.CompactionRetainedRevisions = 1000;
                });
            },
            etcd.DisposeAsync);
    }

    private static async Task<FlavourDeployment> EtcdPerNodeAsync(Topology topology)
    {
        var stores = new List<EtcdCluster>();
        try
        {
            foreach (var _ in topology.SiloNodes)
            {
                stores.Add(await EtcdCluster.StartAsync(1, "--quota-backend-bytes", (8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-request-bytes", (16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
        return new FlavourDeployment(
            $"a single-member etcd on each of {string.Join(", ", topology.SiloNodes)} (each silo on its node's, {topology.IntraNodeMs} ms away)",
            (silo, index, cluster) =>
            {
                var node = topology.SiloNodes[index % topology.SiloNodes.Length];
                var url = stores[index % stores.Count].Members[0].ClientUrl;
                var link = cluster.CreateLink(node, node, new IPEndPoint(IPAddress.Loopback, url.Port));
                silo.AddEtcdGrainStorage(StorageNames.Reactive, o =>
                {
                    o.Client.Endpoints.Add(new Uri($"http://127.0.0.1:{link.EndPoint.Port}"));
                    o.Client.RequestTimeout = TimeSpan.FromSeconds(30);
                    o.Client.MaxRequestBytes = 16 << 20;
                    o.Migration = EtcdMigrationMode.NodeLocal;
                    o.CompactionInterval = TimeSpan.FromSeconds(2);
                    o.CompactionRetainedRevisions = 1000;
                });
            },
            async () =>
            {
                foreach (var store in stores)
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                }
            });
    }

    private static async Task<FlavourDeployment> EtcdReplicatedAsync(Topology topology, bool awaitLeaderMove)
    {
        var etcd = await EtcdMemberPerNode.StartAsync(topology.SiloNodes.Length, topology.InterNodeMs, topology.IntraNodeMs, topology.InterNodeBytesPerSecond).ConfigureAwait(false);
        await etcd.MoveLeaderAsync(0).ConfigureAwait(false);
        return new FlavourDeployment(
            $"etcd with a member on each of {string.Join(", ", topology.SiloNodes)} (peer links {topology.InterNodeMs} ms one-way), leader on node-1 at start; each silo lists its node's member first, the others through inter-node links",
            (silo, index, _) =>
            {
                var k = index % topology.SiloNodes.Length;
                silo.AddEtcdGrainStorage(StorageNames.Proactive, o =>
                {
                    o.Client.Endpoints.Add(etcd.ClientEndpoint(k, k));
                    for (var j = 0; j < etcd.Members.Count; j++)
                    {
                        if (j != k)
                        {
                            o.Client.Endpoints.Add(etcd.ClientEndpoint(k, j));
                        }
                    }
                    o.Client.RequestTimeout = TimeSpan.FromSeconds(30);
                    o.Client.MaxRequestBytes = 16 << 20;
                    o.Migration = EtcdMigrationMode.Replicated;
                    o.AwaitLeaderMove = awaitLeaderMove;
                    o.CompactionInterval = TimeSpan.FromSeconds(2);
                    o.CompactionRetainedRevisions = 1000;
                });
            },
            etcd.DisposeAsync);
    }

    private static async Task<FlavourDeployment> EtcdMemberPerNodeAsync(Topology topology)
    {
        var etcd = await EtcdMemberPerNode.StartAsync(topology.SiloNodes.Length, topology.InterNodeMs, topology.IntraNodeMs, topology.InterNodeBytesPerSecond).ConfigureAwait(false);
        // Start with the leader on node 1, where the grains start (as the thesis's Proactive set-up did).
        await etcd.MoveLeaderAsync(0).ConfigureAwait(false);
        return new FlavourDeployment(
            $"etcd with a member on each of {string.Join(", ", topology.SiloNodes)} (peer links {topology.InterNodeMs} ms one-way), leader on node-1; serializable reads on the local member, writes forwarded to the leader",
            (silo, index, cluster) =>
            {
                var k = index % topology.SiloNodes.Length;
                silo.AddEtcdGrainStorage(StorageNames.Proactive, o =>
                {
                    o.Client.Endpoints.Add(etcd.ClientEndpoint(k, k));
                    // The silo knows only its own member: writes go to the leader through it.
                    o.Client.RouteToLeader = false;
                    o.Client.RequestTimeout = TimeSpan.FromSeconds(30);
                    o.Client.MaxRequestBytes = 16 << 20;
                    o.SerializableReads = true;
                    o.CompactionInterval = TimeSpan.FromSeconds(2);
                    o.CompactionRetainedRevisions = 1000;
                });
            },
            etcd.DisposeAsync)
        {
            BeforeMigration = ("leader-move (harness)", etcd.MoveLeaderAsync),
        };
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }
}
