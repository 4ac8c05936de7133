using System.Globalization;
using ActorEdge.Etcd.Testing;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// <c>thesis [--strategy S | --flavour F] [--seconds N] [--pairs P] [--rate R] [--migrations M [--every S]] [--runs N] [--cold] [--trace N] [--csv path]</c> and
/// <c>thesis-sweep [--flavour F] [--sizes 1024,102400,...] [--mbits 10,100,1000] [--reps N] [--csv path]</c>.
/// </summary>
internal static class ThesisCommand
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "thesis" or "thesis-sweep";

    public static async Task<int> RunAsync(string[] args)
    {
        // The emulated links and the silos share 2 cores with the stores: keep the pool warm.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);
        // Every durable store on the same disk (since session 9; etcd ran on tmpfs before).
        EtcdCluster.DataParent = Path.GetTempPath();
        return args[0] == "thesis" ? await ScenarioAsync(args).ConfigureAwait(false) : await SweepAsync(args).ConfigureAwait(false);
    }

    private static IEnumerable<Flavour> Select(string[] args)
    {
        var strategy = Cli.Value(args, "--strategy");
        var name = Cli.Value(args, "--flavour");
        foreach (var flavour in Flavours.All)
        {
            if (name is not null && !string.Equals(flavour.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (strategy is not null
                && !string.Equals(flavour.Strategy.ToString(), strategy, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(flavour.Name, strategy, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            yield return flavour;
        }
    }

    private static async Task<int> ScenarioAsync(string[] args)
    {
        var options = ScenarioOptions.Parse(args);
        var topology = Topology.Thesis();
        var flavours = Select(args).ToList();
        if (flavours.Count == 0)
        {
            Console.Error.WriteLine($"No flavour matches; known: {string.Join(", ", Flavours.All.Select(f => f.Name))}");
            return 2;
        }
        Console.WriteLine($"Thesis scenario (THESIS.md §1): silos on {string.Join(", ", topology.SiloNodes)}, central stores on '{topology.StoreNode}'; {topology.InterNodeMs} ms one-way between nodes, {topology.IntraNodeMs} ms inside a node (delaying proxies on silo and store links)");
        Console.WriteLine($"Workload: {options.Pairs} producer/consumer pairs, one loop each ({options.Pace}), {options.ValueBytes / 1024} KB values; {options.WarmupSeconds} s warm-up, {options.Duration:F0} s measured, all grains migrate node-1 -> node-2 at {options.FirstMigration:F0} s{(options.Migrations > 1 ? string.Create(CultureInfo.InvariantCulture, $", then back and forth every {options.Every:F1} s, {options.Migrations} migrations in all") : "")}");
        var runs = new List<ScenarioSummary>();
        var skipped = new List<(Flavour, string)>();
        var repeat = Math.Max(1, Cli.Int(args, "--runs", 1));
        var warmUp = !args.Contains("--cold");
        foreach (var flavour in flavours)
        {
            if (Flavours.Unavailable(flavour) is { } reason)
            {
                Console.WriteLine($"  {flavour.Name}: skipped ({reason})");
                skipped.Add((flavour, reason));
                continue;
            }
            if (warmUp)
            {
                await WarmUpAsync(flavour, options, topology).ConfigureAwait(false);
            }
            for (var run = 1; run <= repeat; run++)
            {
                Console.WriteLine($"  {flavour.Name} ({flavour.Strategy}; state: {flavour.StateHome}){(repeat > 1 ? $", run {run} of {repeat}" : "")}");
                try
                {
                    var result = await ThesisScenario.RunAsync(flavour, options, topology, Console.WriteLine).ConfigureAwait(false);
                    var summary = ScenarioSummary.Of(result);
                    runs.Add(summary);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {summary.KeysPerSecondBefore:F0} keys/s before, {summary.KeysPerSecondAfter:F0} after; largest gap {summary.LargestGapMs:F0} ms; p99 around the migration {summary.P99AroundMs:F0} ms"));
                }
                catch (Exception e)
                {
                    Console.WriteLine($"    failed: {e}");
                    skipped.Add((flavour, $"failed: {e.GetType().Name}: {e.Message}"));
                }
            }
        }
        ThesisReport.PrintSummary(runs, skipped, options, Console.Out);
        ThesisReport.PrintPooled(runs, Console.Out);
        ThesisReport.PrintWindows(runs, Console.Out);
        if (Cli.Value(args, "--csv") is { } csv)
        {
            ThesisReport.WriteCsv(runs, csv);
            Console.WriteLine($"\nCSV: {csv} (windows), {Path.ChangeExtension(csv, ".summary.csv")} (summary)");
        }
        return runs.Count > 0 || skipped.Count == flavours.Count ? 0 : 1;
    }

    /// <summary>
    /// A short run of the flavour, not reported, so that the measured runs do not pay the
    /// just-in-time compilation of the migration path (hand-over, forwarding, the provider's
    /// export and import) while calls are held, as a silo in service would not: the first
    /// migrations of a process held calls 60-120 ms longer than the later ones (session 8 and 9
    /// traces). Its stores and silos are its own, so no state (an etcd leader claim, a replica)
    /// carries over. Its disruption is printed, as the cold figure; <c>--cold</c> skips it.
    /// </summary>
    private static async Task WarmUpAsync(Flavour flavour, ScenarioOptions options, Topology topology)
    {
        var shortRun = options with { Seconds = 4, Migrations = Math.Min(options.Migrations, 6), Every = Math.Min(options.Every, 0.6) };
        Console.WriteLine($"  {flavour.Name}: warm-up run ({shortRun.Migrations} migrations, not reported)");
        try
        {
            var result = await ThesisScenario.RunAsync(flavour, shortRun, topology, _ => { }).ConfigureAwait(false);
            var delays = result.DelayMs.ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    cold: {delays.Count} held calls, delay p50 {ScenarioSummary.Percentile(delays, 0.50):F0} ms, p99 {ScenarioSummary.Percentile(delays, 0.99):F0} ms, max {(delays.Count == 0 ? 0 : delays.Max()):F0} ms"));
        }
        catch (Exception e)
        {
            // The measured runs report the failure, if it is not the cold start's.
            Console.WriteLine($"    warm-up failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task<int> SweepAsync(string[] args)
    {
        var name = Cli.Value(args, "--flavour");
        // Reactive is what the thesis swept; until a Reactive provider runs here, say so and use the baseline.
        var flavour = name is not null ? Flavours.Find(name)
            : Flavours.All.FirstOrDefault(f => f.Strategy == MigrationStrategy.Reactive && Flavours.Unavailable(f) is null) ?? Flavours.Find("Memory");
        if (flavour is null)
        {
            Console.Error.WriteLine($"Unknown flavour '{name}'; known: {string.Join(", ", Flavours.All.Select(f => f.Name))}");
            return 2;
        }
        if (Flavours.Unavailable(flavour) is { } reason)
        {
            Console.WriteLine($"{flavour.Name}: skipped ({reason})");
            return 0;
        }
        if (name is null && flavour.Strategy != MigrationStrategy.Reactive)
        {
            Console.WriteLine($"No Reactive flavour can run here yet ({string.Join("; ", Flavours.All.Where(f => f.Strategy == MigrationStrategy.Reactive).Select(f => $"{f.Name}: {Flavours.Unavailable(f)}"))}); sweeping {flavour.Name} instead.");
        }
        var sizes = Cli.Value(args, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? SweepScenario.DefaultSizes;
        var megabits = Cli.Value(args, "--mbits")?.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? SweepScenario.DefaultMegabits;
        var reps = Math.Max(1, Cli.Int(args, "--reps", 3));
        Console.WriteLine($"Migration sweep: {flavour.Name} ({flavour.Strategy}; state: {flavour.StateHome}); node-1 <-> node-2, 10 ms one-way, links capped at {string.Join(", ", megabits)} Mbit/s; {reps} migrations per point");
        var points = await SweepScenario.RunAsync(flavour, sizes, megabits, reps, Console.WriteLine).ConfigureAwait(false);
        SweepScenario.Print(points, Console.Out);
        if (Cli.Value(args, "--csv") is { } csv)
        {
            SweepScenario.WriteCsv(points, csv);
            Console.WriteLine($"\nCSV: {csv}");
        }
        return 0;
    }
}
