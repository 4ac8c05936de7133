using System.Globalization;

namespace ActorEdge.Testbed.Thesis;

/// <summary>The process's garbage collections so far: counts per generation and the time it was paused.</summary>
internal readonly record struct GcTotals(int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcTotals Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    /// <summary>One line for the run's log: what was collected since <paramref name="start"/>, over <paramref name="seconds"/>.</summary>
    public string Since(GcTotals start, double seconds)
    {
        var paused = (Paused - start.Paused).TotalMilliseconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"GC: {Gen0 - start.Gen0} gen0, {Gen1 - start.Gen1} gen1, {Gen2 - start.Gen2} gen2 collections; paused {paused:F0} ms ({100 * paused / (seconds * 1000):F1} % of {seconds:F0} s)");
    }
}
