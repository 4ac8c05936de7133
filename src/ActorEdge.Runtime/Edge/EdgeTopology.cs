using ActorEdge.Hosting;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Runtime.Edge;

/// <summary>Latencies between edge nodes and which silos run on which node.</summary>
public interface IEdgeTopology
{
    /// <summary>
    /// The latency between two nodes in milliseconds: 0 for the same node, else the configured
    /// value, else the round trip this silo measured (for pairs that include its own node), else
    /// the default; measured first with <see cref="EdgeOptions.PreferMeasuredLatencies"/>.
    /// </summary>
    double Latency(string nodeA, string nodeB);

    /// <summary>The round trip this silo measured to <paramref name="node"/> (smoothed), or null before the first probe.</summary>
    double? MeasuredLatency(string node);

    /// <summary>The edge node of an active silo, or null when it is not in the membership view.</summary>
    string? NodeOf(SiloAddress silo);

    /// <summary>
    /// <paramref name="candidates"/> ordered by latency from <paramref name="node"/>, nearest first
    /// (ties keep the candidates' order); silos not in the membership view come last.
    /// </summary>
    IReadOnlyList<SiloAddress> NearestSilos(string node, IReadOnlyList<SiloAddress> candidates);
}

internal sealed class EdgeTopology(EdgeOptions options, string localNode, Func<IReadOnlyList<SiloEntry>> activeSilos) : IEdgeTopology
{
    // Smooths out a slow probe (a GC pause, a busy loop) without hiding a lasting change for long.
    private const double Weight = 0.25;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> _measured = new(StringComparer.Ordinal);

    public EdgeOptions Options => options;

    public string LocalNode => localNode;

    public double Latency(string nodeA, string nodeB)
    {
        if (string.Equals(nodeA, nodeB, StringComparison.Ordinal))
        {
            return 0;
        }
        var measured = string.Equals(nodeA, localNode, StringComparison.Ordinal) ? MeasuredLatency(nodeB)
            : string.Equals(nodeB, localNode, StringComparison.Ordinal) ? MeasuredLatency(nodeA)
            : null;
        if (options.PreferMeasuredLatencies && measured is { } preferred)
        {
            return preferred;
        }
        if (options.Latencies.TryGetValue(nodeA, out var row) && row.TryGetValue(nodeB, out var ms))
        {
            return ms;
        }
        if (options.Latencies.TryGetValue(nodeB, out row) && row.TryGetValue(nodeA, out ms))
        {
            return ms;
        }
        return measured ?? options.DefaultLatencyMs;
    }

    public double? MeasuredLatency(string node) => _measured.TryGetValue(node, out var ms) ? ms : null;

    /// <summary>Folds one measured round trip to <paramref name="node"/> into the estimate.</summary>
    public void RecordRoundTrip(string node, double ms) =>
        _measured.AddOrUpdate(node, static (_, sample) => sample, static (_, previous, sample) => previous + Weight * (sample - previous), ms);

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
