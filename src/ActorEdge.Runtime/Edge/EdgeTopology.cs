using ActorEdge.Hosting;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Runtime.Edge;

/// <summary>Latencies between edge nodes and which silos run on which node.</summary>
public interface IEdgeTopology
{
    /// <summary>The latency between two nodes in milliseconds: 0 for the same node, the configured value, else the default.</summary>
    double Latency(string nodeA, string nodeB);

    /// <summary>The edge node of an active silo, or null when it is not in the membership view.</summary>
    string? NodeOf(SiloAddress silo);

    /// <summary>
    /// <paramref name="candidates"/> ordered by latency from <paramref name="node"/>, nearest first
    /// (ties keep the candidates' order); silos not in the membership view come last.
    /// </summary>
    IReadOnlyList<SiloAddress> NearestSilos(string node, IReadOnlyList<SiloAddress> candidates);
}

internal sealed class EdgeTopology(EdgeOptions options, Func<IReadOnlyList<SiloEntry>> activeSilos) : IEdgeTopology
{
    public EdgeOptions Options => options;

    public double Latency(string nodeA, string nodeB)
    {
        if (string.Equals(nodeA, nodeB, StringComparison.Ordinal))
        {
            return 0;
        }
        if (options.Latencies.TryGetValue(nodeA, out var row) && row.TryGetValue(nodeB, out var ms))
        {
            return ms;
        }
        if (options.Latencies.TryGetValue(nodeB, out row) && row.TryGetValue(nodeA, out ms))
        {
            return ms;
        }
        return options.DefaultLatencyMs;
    }

    public string? NodeOf(SiloAddress silo)
    {
        foreach (var entry in activeSilos())
        {
            if (entry.Address.Equals(silo))
            {
                return entry.NodeName;
            }
        }
        return null;
    }

    public IReadOnlyList<SiloAddress> NearestSilos(string node, IReadOnlyList<SiloAddress> candidates)
    {
        var active = activeSilos();
        var ranked = new (double Latency, int Index, SiloAddress Silo)[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            var latency = double.PositiveInfinity;
            foreach (var entry in active)
            {
                if (entry.Address.Equals(candidates[i]))
                {
                    latency = Latency(node, entry.NodeName);
                    break;
                }
            }
            ranked[i] = (latency, i, candidates[i]);
        }
        Array.Sort(ranked, static (a, b) => a.Latency != b.Latency ? a.Latency.CompareTo(b.Latency) : a.Index.CompareTo(b.Index));
        var result = new SiloAddress[ranked.Length];
        for (var i = 0; i < ranked.Length; i++)
        {
            result[i] = ranked[i].Silo;
        }
        return result;
    }
}

/// <summary>The edge node of the request a turn is serving, inherited by the calls it makes.</summary>
internal static class CallOrigin
{
    private static readonly AsyncLocal<string?> Value = new();

    public static string? Current => Value.Value;

    /// <summary>Installs the origin of the request being served; writes only when it changes.</summary>
    public static void Set(string? node)
    {
        if (!ReferenceEquals(Value.Value, node))
        {
            Value.Value = node;
        }
    }
}
