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
/// proxy per member gives each pair its delay). Clients reach member <c>j</c> from node <c>k</c>
/// through their own link (<see cref="ClientEndpoint"/>: intra-node delay for the node's own member,
/// inter-node otherwise), and every member advertises all the links to it as its client URLs, so a
/// client that knows only its node's links still recognises the leader among its endpoints.
/// </summary>
internal sealed class EtcdMemberPerNode : IAsyncDisposable
{
    private readonly string _root;
    private readonly List<DelayingProxy> _peerLinks;
    private readonly DelayingProxy[,] _clientLinks;

    private EtcdMemberPerNode(string root, IReadOnlyList<EtcdMemberProcess> members, List<DelayingProxy> peerLinks, DelayingProxy[,] clientLinks)
    {
        _root = root;
        Members = members;
        _peerLinks = peerLinks;
        _clientLinks = clientLinks;
    }

    /// <summary>The URL a client on node <paramref name="fromNode"/> uses for the member of node <paramref name="memberNode"/> (0-based).</summary>
    public Uri ClientEndpoint(int fromNode, int memberNode) =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_clientLinks[fromNode, memberNode].EndPoint.Port}"));

    /// <summary>The members, in node order.</summary>
    public IReadOnlyList<EtcdMemberProcess> Members { get; }

    public static async Task<EtcdMemberPerNode> StartAsync(int nodes, double interNodeMs, double intraNodeMs, long bytesPerSecond)
    {
        var binary = EtcdCluster.FindBinary("etcd");
        var root = Path.Combine(EtcdCluster.DataParent, $"actoredge-etcd-nodes-{Environment.ProcessId}-{Guid.NewGuid():N}"[..52]);
        Directory.CreateDirectory(root);
        var members = new List<EtcdMemberProcess>();
        var links = new List<DelayingProxy>();
        var link = new LinkProfile(TimeSpan.FromMilliseconds(interNodeMs), bytesPerSecond);
        // The members' ports stay reserved until the members start: the proxies below bind ports
        // of their own, which must not be the ones chosen here (that race failed a run).
        var reserved = new List<TcpListener>();
        int Reserve()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            reserved.Add(listener);
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        for (var i = 0; i < nodes; i++)
        {
            var (client, peer) = (Reserve(), Reserve());
            members.Add(new EtcdMemberProcess(binary, $"node-{i + 1}", Path.Combine(root, $"m{i}"), client, peer));
            links.Add(new DelayingProxy(new IPEndPoint(IPAddress.Loopback, peer), link, link).Start());
        }
        var clientLinks = new DelayingProxy[nodes, nodes];
        for (var from = 0; from < nodes; from++)
        {
            for (var to = 0; to < nodes; to++)
            {
                var profile = from == to ? new LinkProfile(TimeSpan.FromMilliseconds(intraNodeMs)) : link;
                clientLinks[from, to] = new DelayingProxy(new IPEndPoint(IPAddress.Loopback, members[to].ClientUrl.Port), profile, profile).Start();
            }
        }
        string AdvertisedClients(int to) => string.Join(",", Enumerable.Range(0, nodes).Select(from =>
            string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{clientLinks[from, to].EndPoint.Port}")));
        string Advertised(int i) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{links[i].EndPoint.Port}");
        var initialCluster = string.Join(",", members.Select((m, i) => $"{m.Name}={Advertised(i)}"));
        var token = Guid.NewGuid().ToString("N");
        for (var i = 0; i < nodes; i++)
        {
            var member = members[i];
            member.Arguments =
            [
                "--name", member.Name, "--data-dir", member.DataDir,
                "--listen-client-urls", member.ClientUrl.ToString().TrimEnd('/'), "--advertise-client-urls", AdvertisedClients(i),
                "--listen-peer-urls", member.PeerUrl.ToString().TrimEnd('/'), "--initial-advertise-peer-urls", Advertised(i),
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                // etcd's defaults (the thesis ran them): 100 ms heartbeats, 1 s election timeout.
                "--quota-backend-bytes", (8L << 30).ToString(CultureInfo.InvariantCulture), "--max-request-bytes", (16 << 20).ToString(CultureInfo.InvariantCulture),
                "--logger", "zap", "--log-level", "error", "--log-outputs", "stderr",
            ];
        }
        foreach (var listener in reserved)
        {
            listener.Stop();
        }
        foreach (var member in members)
        {
            member.Start();
        }
        var cluster = new EtcdMemberPerNode(root, members, links, clientLinks);
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
        // Through node 1's links: the members advertise the links, and the client finds the leader by them.
        await using var admin = new EtcdClient(new EtcdClientOptions { RequestTimeout = TimeSpan.FromSeconds(10), RouteToLeader = false }.WithEndpoints(Enumerable.Range(0, Members.Count).Select(j => ClientEndpoint(0, j))));
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
        foreach (var link in _peerLinks.Concat(_clientLinks.Cast<DelayingProxy>()))
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
