using ActorEdge.Hosting;

namespace ActorEdge.TestingHost;

/// <summary>
/// Emulated edge nodes for a <see cref="TestCluster"/>: which node each silo (and the cluster's
/// client) runs on, and the one-way delay and bandwidth of the links between them. With these
/// options set, every silo-to-silo and client-to-gateway connection goes through a
/// <see cref="Network.DelayingProxy"/> with the delays of its pair of nodes, and each silo's
/// <see cref="EdgeOptions"/> carries the same matrix (as round trips).
/// </summary>
public sealed class EmulatedEdgeOptions
{
    private readonly Dictionary<(string, string), double> _oneWayMs = [];

    /// <summary>The edge node of the silo with the given index. <value>Default "node-{index}".</value></summary>
    public Func<int, string> SiloNode { get; set; } = index => $"node-{index}";

    /// <summary>The edge node of the cluster's client. <value>Default: the node of silo 0.</value></summary>
    public string? ClientNode { get; set; }

    /// <summary>One-way delay between two silos (or a silo and a client) on the same node, in milliseconds. <value>Default 0.</value></summary>
    public double IntraNodeDelayMs { get; set; }

    /// <summary>One-way delay between two nodes the matrix does not name, in milliseconds. <value>Default 10.</value></summary>
    public double DefaultDelayMs { get; set; } = 10;

    /// <summary>Bandwidth of each direction of a link between distinct nodes, in bytes per second; 0 for none. <value>Default 0.</value></summary>
    public long InterNodeBytesPerSecond { get; set; }

    /// <summary>Sets the one-way delay between two distinct nodes, both directions.</summary>
    public EmulatedEdgeOptions SetDelay(string nodeA, string nodeB, double oneWayMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oneWayMs);
        if (string.Equals(nodeA, nodeB, StringComparison.Ordinal))
        {
            throw new ArgumentException("Use IntraNodeDelayMs for the delay inside a node.", nameof(nodeB));
        }
        _oneWayMs[(nodeA, nodeB)] = oneWayMs;
        _oneWayMs[(nodeB, nodeA)] = oneWayMs;
        return this;
    }

    /// <summary>The one-way delay from <paramref name="from"/> to <paramref name="to"/>, in milliseconds.</summary>
    public double DelayMs(string from, string to) =>
        string.Equals(from, to, StringComparison.Ordinal) ? IntraNodeDelayMs
        : _oneWayMs.TryGetValue((from, to), out var ms) ? ms
        : DefaultDelayMs;

    /// <summary>The emulated link from <paramref name="from"/> to <paramref name="to"/>: its delay, and the bandwidth cap between distinct nodes.</summary>
    public Network.LinkProfile Link(string from, string to) => new(
        TimeSpan.FromMilliseconds(DelayMs(from, to)),
        string.Equals(from, to, StringComparison.Ordinal) ? 0 : InterNodeBytesPerSecond);

    /// <summary>Writes the round trips between <paramref name="nodes"/> into a silo's <see cref="EdgeOptions"/>.</summary>
    public void ApplyTo(EdgeOptions edge, IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var list = nodes.Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            for (var j = i + 1; j < list.Count; j++)
            {
                edge.SetLatency(list[i], list[j], DelayMs(list[i], list[j]) + DelayMs(list[j], list[i]));
            }
        }
        edge.DefaultLatencyMs = 2 * DefaultDelayMs;
    }
}
