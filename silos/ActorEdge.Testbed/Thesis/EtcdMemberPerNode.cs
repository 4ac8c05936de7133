using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using ActorEdge.TestingHost.Network;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// An etcd cluster with one member per edge node whose peer traffic crosses emulated links: each
/// member advertises its peer URL through a <see cref="DelayingProxy"/> with the inter-node delay,
/// so Raft pays the node-to-node round trip (every pair of nodes is equally far apart here, so one
/// proxy per member gives each pair its delay).
/// </summary>
internal sealed class EtcdMemberPerNode : IAsyncDisposable
{
    private readonly string _root;
    private readonly List<DelayingProxy> _peerLinks;

    private EtcdMemberPerNode(string root, IReadOnlyList<EtcdMemberProcess> members, List<DelayingProxy> peerLinks)
    {
        _root = root;
        Members = members;
        _peerLinks = peerLinks;
    }

    /// <summary>The members, in node order.</summary>
    public IReadOnlyList<EtcdMemberProcess> Members { get; }

    public static async Task<EtcdMemberPerNode> StartAsync(int nodes, double interNodeMs, long bytesPerSecond)
    {
        var binary = EtcdCluster.FindBinary("etcd");
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var root = Path.Combine(parent, $"actoredge-etcd-nodes-{Environment.ProcessId}-{Guid.NewGuid():N}"[..52]);
        Directory.CreateDirectory(root);
        var members = new List<EtcdMemberProcess>();
        var links = new List<DelayingProxy>();
        var link = new LinkProfile(TimeSpan.FromMilliseconds(interNodeMs), bytesPerSecond);
        for (var i = 0; i < nodes; i++)
        {
            var (client, peer) = (FreePort(), FreePort());
            members.Add(new EtcdMemberProcess(binary, $"node-{i + 1}", Path.Combine(root, $"m{i}"), client, peer));
            links.Add(new DelayingProxy(new IPEndPoint(IPAddress.Loopback, peer), link, link).Start());
        }
        string Advertised(int i) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{links[i].EndPoint.Port}");
        var initialCluster = string.Join(",", members.Select((m, i) => $"{m.Name}={Advertised(i)}"));
        var token = Guid.NewGuid().ToString("N");
        for (var i = 0; i < nodes; i++)
        {
            var member = members[i];
            member.Arguments =
            [
                "--name", member.Name, "--data-dir", member.DataDir,
                "--listen-client-urls", member.ClientUrl.ToString().TrimEnd('/'), "--advertise-client-urls", member.ClientUrl.ToString().TrimEnd('/'),
                "--listen-peer-urls", member.PeerUrl.ToString().TrimEnd('/'), "--initial-advertise-peer-urls", Advertised(i),
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                // etcd's defaults (the thesis ran them): 100 ms heartbeats, 1 s election timeout.
                "--quota-backend-bytes", (8L << 30).ToString(CultureInfo.InvariantCulture), "--max-request-bytes", (16 << 20).ToString(CultureInfo.InvariantCulture),
                "--logger", "zap", "--log-level", "error", "--log-outputs", "stderr",
            ];
        }
        foreach (var member in members)
        {
            member.Start();
        }
        var cluster = new EtcdMemberPerNode(root, members, links);
        try
        {
            await cluster.WaitForLeaderAsync().ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return cluster;
    }

    /// <summary>The member id of the current leader (asked of every member until they agree).</summary>
    public async Task<ulong> WaitForLeaderAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var leaders = new HashSet<ulong>();
                foreach (var member in Members)
                {
                    await using var one = new EtcdClient(new EtcdClientOptions { Endpoints = { member.ClientUrl }, RequestTimeout = TimeSpan.FromSeconds(2), RouteToLeader = false });
                    var status = await one.StatusAsync().ConfigureAwait(false);
                    member.MemberId = status.MemberId;
                    leaders.Add(status.Leader);
                }
                if (leaders.Count == 1 && leaders.Single() != 0)
                {
                    return leaders.Single();
                }
                last = $"leaders seen: {string.Join(",", leaders)}";
            }
            catch (EtcdException e)
            {
                last = e.Message;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"etcd did not elect a leader ({last}). Output: {string.Join(" | ", Members.Select(m => m.Output))}");
    }

    /// <summary>Moves leadership to the member of node <paramref name="nodeIndex"/> (0-based) and waits until every member follows it.</summary>
    public async Task MoveLeaderAsync(int nodeIndex)
    {
        var target = Members[nodeIndex].MemberId;
        if (await WaitForLeaderAsync().ConfigureAwait(false) == target)
        {
            return;
        }
        await using var admin = new EtcdClient(new EtcdClientOptions { RequestTimeout = TimeSpan.FromSeconds(10), RouteToLeader = false }.WithEndpoints(Members.Select(m => m.ClientUrl)));
        await admin.MoveLeaderAsync(target).ConfigureAwait(false);
        while (await WaitForLeaderAsync().ConfigureAwait(false) != target)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            await member.KillAsync().ConfigureAwait(false);
        }
        foreach (var link in _peerLinks)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class EtcdClientOptionsExtensions
{
    public static EtcdClientOptions WithEndpoints(this EtcdClientOptions options, IEnumerable<Uri> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }
        return options;
    }
}
