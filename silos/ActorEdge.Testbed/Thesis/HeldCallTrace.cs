using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// <c>--trace N</c>: where the N slowest calls that met a migration waited, from the runtime's
/// trace spans (docs/runtime.md, "Live migration"): each driver call is a span, its grain call on
/// the silo is a child span, and each migration is a <c>migrate</c> span on the source (events
/// idle, dehydrated, exported, hand-over sent, handed over) with the target's
/// <c>accept migration</c> span as its child. Tracing costs a few allocations per call, so it is
/// off unless asked for.
/// </summary>
internal sealed class HeldCallTrace : IDisposable
{
    public static readonly ActivitySource Source = new("ActorEdge.Testbed");

    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public HeldCallTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "ActorEdge" or "ActorEdge.Testbed",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts the span of one driver call to <paramref name="grain"/>.</summary>
    public static Activity? StartCall(string grain)
    {
        var call = Source.StartActivity("call");
        call?.SetTag("actoredge.grain", grain);
        return call;
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>
    /// The <paramref name="count"/> calls with the most time outside their grain method among those
    /// that overlapped a migration of their grain, each as a timeline in ms from when it was sent.
    /// </summary>
    public void Print(int count, Action<string> log)
    {
        var spans = _spans.ToArray();
        var served = spans.Where(s => s.Kind == ActivityKind.Server && s.ParentSpanId != default)
            .GroupBy(s => s.ParentSpanId).ToDictionary(g => g.Key, g => g.First());
        var accepted = spans.Where(s => s.DisplayName.StartsWith("accept migration", StringComparison.Ordinal))
            .GroupBy(s => s.ParentSpanId).ToDictionary(g => g.Key, g => g.First());
        var migrations = spans.Where(s => s.DisplayName.StartsWith("migrate ", StringComparison.Ordinal))
            .GroupBy(s => (string?)s.GetTagItem("actoredge.grain") ?? "").ToDictionary(g => g.Key, g => g.ToList());
        var held = new List<(double Delay, Activity Call, Activity Server, Activity Migration)>();
        foreach (var call in spans.Where(s => s.Source == Source))
        {
            if (!served.TryGetValue(call.SpanId, out var server)
                || !migrations.TryGetValue((string?)call.GetTagItem("actoredge.grain") ?? "", out var moves)
                || moves.FirstOrDefault(m => m.StartTimeUtc < call.StartTimeUtc + call.Duration && call.StartTimeUtc < m.StartTimeUtc + m.Duration) is not { } migration)
            {
                continue;
            }
            held.Add(((call.Duration - server.Duration).TotalMilliseconds, call, server, migration));
        }
        if (held.Count == 0)
        {
            return;
        }
        log($"    slowest {Math.Min(count, held.Count)} of {held.Count} calls that met a migration (ms from sending; delay = latency less the grain method):");
        log("    | grain | delay | migration events (idle, dehydrated, exported, hand-over sent, handed over) | target accepts, import | grain method runs | answered |");
        log("    |---|---|---|---|---|---|");
        foreach (var (delay, call, server, migration) in held.OrderByDescending(h => h.Delay).Take(count))
        {
            double At(DateTime time) => (time - call.StartTimeUtc).TotalMilliseconds;
            var events = string.Join(", ", migration.Events.Select(e => At(e.Timestamp.UtcDateTime).ToString("F0", CultureInfo.InvariantCulture)));
            var accept = accepted.TryGetValue(migration.SpanId, out var a)
                ? string.Create(CultureInfo.InvariantCulture, $"{At(a.StartTimeUtc):F0}-{At(a.StartTimeUtc + a.Duration):F0}, {a.GetTagItem("actoredge.migration.import_ms") as double? ?? 0:F1}")
                : "-";
            log(string.Create(CultureInfo.InvariantCulture,
                $"    | {call.GetTagItem("actoredge.grain")} | {delay:F0} | {events} | {accept} | {At(server.StartTimeUtc):F0}-{At(server.StartTimeUtc + server.Duration):F0} | {call.Duration.TotalMilliseconds:F0} |"));
        }
    }
}
