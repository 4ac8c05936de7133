using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorEdge.TestingHost.Network;

namespace ActorEdge.TestingHost;

/// <summary>The emulated edge links of a cluster (<see cref="TestClusterOptions.EmulatedEdge"/>).</summary>
public sealed partial class TestCluster
{
    private readonly ConcurrentDictionary<IPEndPoint, int> _siloByEndpoint = new();
    private readonly ConcurrentDictionary<(int From, IPEndPoint To), DelayingProxy> _siloLinks = new();
    private readonly ConcurrentDictionary<IPEndPoint, DelayingProxy> _clientLinks = new();
    private readonly ConcurrentBag<DelayingProxy> _otherLinks = [];
    private readonly Lock _linkLock = new();

    /// <summary>The emulated edge, or an exception when the cluster has none.</summary>
    public EmulatedEdgeOptions EmulatedEdge => _options.EmulatedEdge ?? throw new InvalidOperationException("The cluster emulates no edge links: set TestClusterOptions.EmulatedEdge.");

    /// <summary>
    /// The link that <paramref name="from"/> uses to reach <paramref name="to"/> (created on first
    /// use; the reverse direction is another link). Cut, heal or reshape it at run time.
    /// </summary>
    public DelayingProxy GetSiloLink(SiloHandle from, SiloHandle to) => SiloLinkTo(from.Index, to.Address.Endpoint);

    /// <summary>The link from the cluster's client node to the gateway of <paramref name="gateway"/>.</summary>
    public DelayingProxy GetClientLink(SiloHandle gateway) => ClientLinkTo(EmulatedEdge.ClientNode ?? EmulatedEdge.SiloNode(0), gateway.Address.Endpoint);

    /// <summary>
    /// A new link from <paramref name="fromNode"/> to a service on <paramref name="toNode"/> at
    /// <paramref name="target"/> (a store, another process), with the delays of that pair of
    /// nodes; the cluster disposes it. Connect to its <see cref="DelayingProxy.EndPoint"/>.
    /// </summary>
    public DelayingProxy CreateLink(string fromNode, string toNode, IPEndPoint target)
    {
        var edge = EmulatedEdge;
        var proxy = new DelayingProxy(target, edge.Link(fromNode, toNode), edge.Link(toNode, fromNode)).Start();
        _otherLinks.Add(proxy);
        return proxy;
    }

    private DelayingProxy SiloLinkTo(int fromIndex, IPEndPoint target)
    {
        if (_siloLinks.TryGetValue((fromIndex, target), out var link))
        {
            return link;
        }
        lock (_linkLock)
        {
            if (!_siloLinks.TryGetValue((fromIndex, target), out link))
            {
                var edge = EmulatedEdge;
                var from = edge.SiloNode(fromIndex);
                var to = TargetNode(target);
                link = new DelayingProxy(target, edge.Link(from, to), edge.Link(to, from)).Start();
                _siloLinks[(fromIndex, target)] = link;
            }
            return link;
        }
    }

    private DelayingProxy ClientLinkTo(string clientNode, IPEndPoint target)
    {
        if (_clientLinks.TryGetValue(target, out var link))
        {
            return link;
        }
        lock (_linkLock)
        {
            if (!_clientLinks.TryGetValue(target, out link))
            {
                var edge = EmulatedEdge;
                var to = TargetNode(target);
                link = new DelayingProxy(target, edge.Link(clientNode, to), edge.Link(to, clientNode)).Start();
                _clientLinks[target] = link;
            }
            return link;
        }
    }

    private string TargetNode(IPEndPoint target) =>
        _siloByEndpoint.TryGetValue(target, out var index)
            ? EmulatedEdge.SiloNode(index)
            : throw new InvalidOperationException($"No silo of this cluster listens at {target}.");

    /// <summary>Picks a free loopback port for the silo with <paramref name="index"/> and remembers it as that silo's endpoint.</summary>
    private int ReserveEndpoint(int index)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)probe.LocalEndPoint!;
        _siloByEndpoint[endpoint] = index;
        return endpoint.Port;
    }

    /// <summary>The nodes a silo's EdgeOptions name: those of the initial silos, this one and the client.</summary>
    private IEnumerable<string> EmulatedNodes(int index)
    {
        var edge = EmulatedEdge;
        for (var i = 0; i < Math.Max(_options.InitialSilosCount, index + 1); i++)
        {
            yield return edge.SiloNode(i);
        }
        if (edge.ClientNode is { } client)
        {
            yield return client;
        }
    }

    private async Task DisposeLinksAsync()
    {
        foreach (var link in _siloLinks.Values.Concat(_clientLinks.Values).Concat(_otherLinks))
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}
