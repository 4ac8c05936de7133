using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// Totals of the CRDT replication instruments (Meter "ActorEdge") while it is alive: local
/// updates, payload bytes sent by kind, and deltas sent as their dot alone. Empty for flavours
/// without a CRDT provider.
/// </summary>
internal sealed class ReplicationTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public ReplicationTotals()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name is "actoredge.crdt.update.delta_bytes" or "actoredge.crdt.replication.bytes_sent" or "actoredge.crdt.replication.dot_only")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            switch (instrument.Name)
            {
                case "actoredge.crdt.update.delta_bytes":
                    _totals.AddOrUpdate("updates", 1, (_, n) => n + 1);
                    break;
                case "actoredge.crdt.replication.dot_only":
                    _totals.AddOrUpdate("dot-only", value, (_, n) => n + value);
                    break;
                default:
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "kind" && tag.Value is string kind)
                        {
                            _totals.AddOrUpdate($"bytes {kind}", value, (_, n) => n + value);
                        }
                    }
                    break;
            }
        });
        _listener.Start();
    }

    /// <summary>Forgets what was counted so far (warm-up).</summary>
    public void Reset() => _totals.Clear();

    /// <summary>One line for the run's log, or null when no CRDT update was made.</summary>
    public string? Describe()
    {
        var updates = _totals.GetValueOrDefault("updates");
        if (updates == 0)
        {
            return null;
        }
        static string Mb(long bytes) => $"{bytes / 1e6:F0} MB";
        return $"CRDT replication: {updates} updates, {Mb(_totals.GetValueOrDefault("bytes delta"))} of deltas sent ({_totals.GetValueOrDefault("dot-only")} deltas as their dot alone), "
            + $"{Mb(_totals.GetValueOrDefault("bytes full"))} of full states, {Mb(_totals.GetValueOrDefault("bytes digest"))} of digests";
    }

    public void Dispose() => _listener.Dispose();
}
