using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// Collects <c>actoredge.migration.duration</c> (Meter "ActorEdge") by its <c>component</c> tag,
/// and <c>actoredge.migration.disruption</c> (calls that waited for a migration, as their callers
/// saw them) and <c>actoredge.migration.delay</c> (what the migration added to those calls) under the
/// pseudo-components <see cref="Disruption"/> and <see cref="Delay"/>, while it is alive.
/// </summary>
internal sealed class MigrationMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _byComponent = new(StringComparer.Ordinal);

    /// <summary>The key under which caller-observed disruptions are collected.</summary>
    public const string Disruption = "disruption (callers)";

    /// <summary>The key under which what the migration added to those calls is collected.</summary>
    public const string Delay = "delay (callers)";

    public MigrationMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name is "actoredge.migration.duration" or "actoredge.migration.disruption" or "actoredge.migration.delay")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var component = instrument.Name switch
            {
                "actoredge.migration.disruption" => Disruption,
                "actoredge.migration.delay" => Delay,
                _ => "(none)",
            };
            foreach (var tag in tags)
            {
                if (tag.Key == "component")
                {
                    component = tag.Value as string ?? component;
                }
            }
            _byComponent.GetOrAdd(component, _ => []).Add(value);
        });
        _listener.Start();
    }

    /// <summary>Forgets what was measured so far (warm-up, set-up migrations).</summary>
    public void Reset() => _byComponent.Clear();

    /// <summary>Components in the protocol's order (others sort after them, by name).</summary>
    public static readonly string[] Order = ["leader-move (harness)", "decision", "dehydrate", "flush", "export", "version", "leader-move", "transfer", "import", "catch-up", "directory", "activation", "total", Disruption, Delay];

    /// <summary>Where <paramref name="component"/> sorts among <see cref="Order"/>.</summary>
    public static int Rank(string component) => Array.IndexOf(Order, component) is var i and >= 0 ? i : Order.Length;

    /// <summary>The values measured for one component (or <see cref="Disruption"/>, <see cref="Delay"/>).</summary>
    public double[] Values(string component) => _byComponent.TryGetValue(component, out var values) ? values.ToArray() : [];

    /// <summary>Per component: count, mean and max in ms, in the protocol's order.</summary>
    public IReadOnlyList<(string Component, int Count, double MeanMs, double MaxMs)> Summary()
    {
        return _byComponent
            .Select(kv => (Component: kv.Key, Values: kv.Value.ToArray()))
            .Where(c => c.Values.Length > 0)
            .OrderBy(c => Rank(c.Component))
            .ThenBy(c => c.Component, StringComparer.Ordinal)
            .Select(c => (c.Component, c.Values.Length, c.Values.Average(), c.Values.Max()))
            .ToList();
    }

    public void Dispose() => _listener.Dispose();
}
