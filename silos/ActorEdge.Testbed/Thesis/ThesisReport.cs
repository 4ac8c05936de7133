using System.Globalization;
using System.Text;

namespace ActorEdge.Testbed.Thesis;

/// <summary>The numbers of one run: throughput per window and the disruption around the migration.</summary>
internal sealed record ScenarioSummary(
    ScenarioResult Result,
    IReadOnlyList<(double Start, int Writes, int Reads, bool Migrating)> Windows,
    double KeysPerSecondBefore,
    double KeysPerSecondAfter,
    double WritesPerSecondBefore,
    double ReadsPerSecondBefore,
    double LargestGapMs,
    double SteadyLargestGapMs,
    double P99AroundMs,
    double P99SteadyMs,
    double P50SteadyMs,
    IReadOnlyList<double> AddedMs,
    int Failed)
{
    public const double Window = 0.5;

    /// <summary>How far before and after the migration "around the migration" reaches.</summary>
    public const double Around = 1.0;

    public static ScenarioSummary Of(ScenarioResult r)
    {
        var ok = r.Operations.Where(o => o.Ok).ToList();
        bool Migrating(double from, double to) => r.Migrations.Any(m => from < m.End && to > m.Start);
        bool NearMigration(double t) => r.Migrations.Any(m => t >= m.Start - ScenarioSummary.Around && t <= m.End + ScenarioSummary.Around);
        var windows = new List<(double, int, int, bool)>();
        for (var start = 0.0; start + Window <= r.Seconds + 1e-9; start += Window)
        {
            var end = start + Window;
            var inWindow = ok.Where(o => o.End >= start && o.End < end).ToList();
            windows.Add((start, inWindow.Count(o => o.IsWrite), inWindow.Count(o => !o.IsWrite), Migrating(start, end)));
        }
        var steadyUntil = r.MigrationStart - ScenarioSummary.Around;
        var before = windows.Where(w => w.Item1 + Window <= steadyUntil).ToList();
        var after = windows.Where(w => w.Item1 >= r.MigrationEnd + ScenarioSummary.Around).ToList();
        double Rate(IEnumerable<(double, int, int, bool)> ws, Func<(double, int, int, bool), int> count) =>
            ws.Any() ? ws.Average(w => count(w)) / Window : double.NaN;

        // Gaps: per driver loop, the time between consecutive completed operations; a gap counts
        // as around a migration when it ends in the span around one.
        double LargestGap(Func<double, double, bool> counts)
        {
            var largest = 0.0;
            foreach (var loop in ok.GroupBy(o => o.Loop))
            {
                var previous = double.NaN;
                foreach (var op in loop.OrderBy(o => o.End))
                {
                    if (!double.IsNaN(previous) && counts(previous, op.End))
                    {
                        largest = Math.Max(largest, op.End - previous);
                    }
                    previous = op.End;
                }
            }
            return largest * 1000;
        }
        var around = ok.Where(o => NearMigration(o.Start)).Select(o => (o.End - o.Start) * 1000).ToList();
        var steady = ok.Where(o => o.End < steadyUntil).Select(o => (o.End - o.Start) * 1000).ToList();

        // What the migration added to an operation: for each one that overlapped a migration,
        // its latency minus the steady median of its own loop (a write and a read differ widely).
        var added = new List<double>();
        foreach (var loop in ok.GroupBy(o => o.Loop))
        {
            var median = Percentile(loop.Where(o => o.End < steadyUntil).Select(o => (o.End - o.Start) * 1000).ToList(), 0.50);
            added.AddRange(loop.Where(o => Migrating(o.Start, o.End)).Select(o => (o.End - o.Start) * 1000 - median));
        }
        return new ScenarioSummary(
            r,
            windows,
            Rate(before, w => w.Item2 + w.Item3),
            Rate(after, w => w.Item2 + w.Item3),
            Rate(before, w => w.Item2),
            Rate(before, w => w.Item3),
            LargestGap((from, to) => NearMigration(to) || Migrating(from, to)),
            LargestGap((_, to) => to < steadyUntil),
            Percentile(around, 0.99),
            Percentile(steady, 0.99),
            Percentile(steady, 0.50),
            added,
            r.Operations.Count(o => !o.Ok));
    }

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    /// <summary>The thesis's figure for a strategy (THESIS.md §1), as text.</summary>
    public static string ThesisFigure(Flavour flavour) => flavour.Strategy switch
    {
        MigrationStrategy.Centralized when flavour.Name != "Memory" => "~12 keys/s; gap as short as a pod restart (21.7–27.0 ms pod migration)",
        MigrationStrategy.Reactive => "highest throughput; ~20 s service gap",
        MigrationStrategy.Proactive => "between Centralized and Reactive; gap as short as Centralized",
        _ => "(baseline, no thesis figure)",
    };
}

internal static class ThesisReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void PrintSummary(IReadOnlyList<ScenarioSummary> runs, IReadOnlyList<(Flavour Flavour, string Reason)> skipped, ScenarioOptions options, TextWriter output)
    {
        output.WriteLine();
        var plan = options.Migrations == 1
            ? $"migration at {options.FirstMigration:F0} s"
            : string.Create(Invariant, $"{options.Migrations} migrations from {options.FirstMigration:F0} s, every {options.Every:F1} s, back and forth");
        output.WriteLine($"Summary ({options.Pairs} producer/consumer pairs, {options.ValueBytes / 1024} KB values, {options.Pace}, {options.Duration:F0} s, {plan}; keys/s = writes + reads completed)");
        output.WriteLine("| flavour | keys/s before | (writes + reads) | keys/s after | migration (all grains) | largest gap around | largest gap steady | p99 around | p99 (p50) steady | held calls: n, p99, max | delay of held calls: n, p50, p99, max | added by the migration: n, p99, max | failed ops | thesis |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in runs)
        {
            var r = s.Result;
            output.WriteLine(string.Create(Invariant,
                $"| {r.Flavour.Name} | {s.KeysPerSecondBefore:F0} | {s.WritesPerSecondBefore:F0} + {s.ReadsPerSecondBefore:F0} | {s.KeysPerSecondAfter:F0} | {MigrationTime(r)} | {s.LargestGapMs:F0} ms | {s.SteadyLargestGapMs:F0} ms | {s.P99AroundMs:F0} ms | {s.P99SteadyMs:F0} ({s.P50SteadyMs:F0}) ms | {HeldCalls(r.HeldCallsMs)} | {Delays(r.DelayMs)} | {HeldCalls(s.AddedMs)} | {s.Failed} | {ScenarioSummary.ThesisFigure(r.Flavour)} |"));
        }
        foreach (var (flavour, reason) in skipped)
        {
            output.WriteLine($"| {flavour.Name} | skipped: {reason} | | | | | | | | | | | | {ScenarioSummary.ThesisFigure(flavour)} |");
        }
        output.WriteLine();
        output.WriteLine("Migration components (actoredge.migration.duration, ms: mean / max over the grains)");
        var components = runs.SelectMany(s => s.Result.Components.Select(c => c.Component)).Distinct()
            .OrderBy(MigrationMetrics.Rank).ThenBy(c => c, StringComparer.Ordinal).ToList();
        output.WriteLine($"| flavour | {string.Join(" | ", components)} |");
        output.WriteLine($"|---|{string.Concat(components.Select(_ => "---|"))}");
        foreach (var s in runs)
        {
            var cells = components.Select(c => s.Result.Components.FirstOrDefault(x => x.Component == c) is { Count: > 0 } x
                ? string.Create(Invariant, $"{x.MeanMs:F1} / {x.MaxMs:F1}")
                : "");
            output.WriteLine($"| {s.Result.Flavour.Name} | {string.Join(" | ", cells)} |");
        }
    }

    /// <summary>
    /// With several runs of a flavour (<c>--runs</c>): the delay of held calls pooled over them, as
    /// one run's ~160 held calls make its p99 nearly its second largest, one scheduling hiccup away.
    /// </summary>
    public static void PrintPooled(IReadOnlyList<ScenarioSummary> runs, TextWriter output)
    {
        var flavours = runs.GroupBy(s => s.Result.Flavour.Name).Where(g => g.Count() > 1).ToList();
        if (flavours.Count == 0)
        {
            return;
        }
        output.WriteLine();
        output.WriteLine("Delay of held calls, pooled over the runs of each flavour (ms)");
        output.WriteLine("| flavour | runs | keys/s before (min-max) | held calls | delay p50 | delay p99 | delay max | p99 of each run |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var flavour in flavours)
        {
            var delays = flavour.SelectMany(s => s.Result.DelayMs).ToList();
            var perRun = string.Join(", ", flavour.Select(s => P(s.Result.DelayMs, 0.99).ToString("F0", Invariant)));
            output.WriteLine(string.Create(Invariant,
                $"| {flavour.Key} | {flavour.Count()} | {flavour.Min(s => s.KeysPerSecondBefore):F0}-{flavour.Max(s => s.KeysPerSecondBefore):F0} | {delays.Count} | {P(delays, 0.50):F0} | {P(delays, 0.99):F0} | {(delays.Count == 0 ? 0 : delays.Max()):F0} | {perRun} |"));
        }
    }

    /// <summary>How long moving all grains took: once, or mean / max over the migrations.</summary>
    private static string MigrationTime(ScenarioResult r)
    {
        var spans = r.Migrations.Select(m => (m.End - m.Start) * 1000).ToList();
        var moved = string.Create(Invariant, $"{r.GrainsMoved}/{r.GrainMigrationMs.Count} moved");
        return spans.Count == 1
            ? string.Create(Invariant, $"{spans[0]:F0} ms ({moved})")
            : string.Create(Invariant, $"{spans.Average():F0} / {spans.Max():F0} ms over {spans.Count} ({moved})");
    }

    /// <summary>Count, p50, p99 and max of what the migrations added to the held calls.</summary>
    private static string Delays(IReadOnlyList<double> delays) =>
        delays.Count == 0 ? "0" : string.Create(Invariant, $"{delays.Count}, {ScenarioSummary.Percentile([.. delays], 0.50):F0}, {ScenarioSummary.Percentile([.. delays], 0.99):F0}, {delays.Max():F0} ms");

    /// <summary>Count, p99 and max of some latencies (held calls, or what the migration added to operations).</summary>
    private static string HeldCalls(IReadOnlyList<double> held) =>
        held.Count == 0 ? "0" : string.Create(Invariant, $"{held.Count}, {ScenarioSummary.Percentile([.. held], 0.99):F0} ms, {held.Max():F0} ms");

    public static void PrintWindows(IReadOnlyList<ScenarioSummary> runs, TextWriter output)
    {
        if (runs.Count == 0)
        {
            return;
        }
        output.WriteLine();
        output.WriteLine("Keys/s per 500 ms window (writes + reads; * = the migration runs in this window)");
        output.WriteLine($"| t (s) | {string.Join(" | ", runs.Select(r => r.Result.Flavour.Name))} |");
        output.WriteLine($"|---|{string.Concat(runs.Select(_ => "---|"))}");
        var count = runs.Max(r => r.Windows.Count);
        for (var i = 0; i < count; i++)
        {
            var start = i * ScenarioSummary.Window;
            var cells = runs.Select(r => i < r.Windows.Count
                ? string.Create(Invariant, $"{(r.Windows[i].Writes + r.Windows[i].Reads) / ScenarioSummary.Window:F0}{(r.Windows[i].Migrating ? " *" : "")}")
                : "");
            output.WriteLine(string.Create(Invariant, $"| {start:F1} | {string.Join(" | ", cells)} |"));
        }
    }

    public static void WriteCsv(IReadOnlyList<ScenarioSummary> runs, string path)
    {
        var csv = new StringBuilder("flavour,strategy,window_start_s,writes_per_s,reads_per_s,keys_per_s,migrating\n");
        foreach (var s in runs)
        {
            foreach (var w in s.Windows)
            {
                csv.Append(string.Create(Invariant, $"{s.Result.Flavour.Name},{s.Result.Flavour.Strategy},{w.Start:F1},{w.Writes / ScenarioSummary.Window:F0},{w.Reads / ScenarioSummary.Window:F0},{(w.Writes + w.Reads) / ScenarioSummary.Window:F0},{(w.Migrating ? 1 : 0)}\n"));
            }
        }
        File.WriteAllText(path, csv.ToString());
        var summary = new StringBuilder("flavour,strategy,keys_per_s_before,keys_per_s_after,migration_ms,grains_moved,largest_gap_around_ms,largest_gap_steady_ms,p99_around_ms,p99_steady_ms,p50_steady_ms,held_calls,held_p99_ms,delay_p50_ms,delay_p99_ms,added_ops,added_p99_ms,failed_ops,migrations\n");
        foreach (var s in runs)
        {
            var r = s.Result;
            summary.Append(string.Create(Invariant, $"{r.Flavour.Name},{r.Flavour.Strategy},{s.KeysPerSecondBefore:F1},{s.KeysPerSecondAfter:F1},{r.Migrations.Average(m => (m.End - m.Start) * 1000):F1},{r.GrainsMoved},{s.LargestGapMs:F1},{s.SteadyLargestGapMs:F1},{s.P99AroundMs:F1},{s.P99SteadyMs:F1},{s.P50SteadyMs:F1},{r.HeldCallsMs.Count},{P(r.HeldCallsMs, 0.99):F1},{P(r.DelayMs, 0.50):F1},{P(r.DelayMs, 0.99):F1},{s.AddedMs.Count},{P(s.AddedMs, 0.99):F1},{s.Failed},{r.Migrations.Count}\n"));
        }
        File.WriteAllText(Path.ChangeExtension(path, ".summary.csv"), summary.ToString());
    }

    private static double P(IReadOnlyList<double> values, double p) => values.Count == 0 ? 0 : ScenarioSummary.Percentile([.. values], p);
}
