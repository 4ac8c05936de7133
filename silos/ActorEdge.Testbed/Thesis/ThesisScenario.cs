using System.Diagnostics;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Management;
using ActorEdge.TestingHost;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// How the scenario runs; identical for every flavour. <see cref="Migrations"/> &gt; 1 moves the
/// grains back and forth that many times, <see cref="Every"/> seconds apart from the first, for
/// enough held calls to make a p99 (one migration of 8 grains holds about 8).
/// </summary>
/// <remarks>
/// <see cref="Rate"/> 0 (the default) runs each loop closed: the next call as soon as the last
/// returned, which measures throughput but saturates the CPU, so latencies are mostly queueing.
/// A rate paces each loop at that many calls per second (a steady caller, as sensors are): the
/// disruption a migration causes is then measured on a machine that is not saturated.
/// </remarks>
internal sealed record ScenarioOptions(int Seconds, int Pairs, int ValueBytes, double WarmupSeconds, double MigrateAt, int Migrations, double Every, double Rate, int Trace)
{
    public static ScenarioOptions Parse(string[] args) => new(
        Math.Max(4, Cli.Int(args, "--seconds", 20)),
        Math.Max(1, Cli.Int(args, "--pairs", 4)),
        Math.Max(16, Cli.Int(args, "--value-bytes", 100 * 1024)),
        2,
        0.4,
        Math.Max(1, Cli.Int(args, "--migrations", 1)),
        Math.Max(0.2, Cli.Double(args, "--every", 1.0)),
        Math.Max(0, Cli.Double(args, "--rate", 0)),
        Math.Max(0, Cli.Int(args, "--trace", 0)));

    /// <summary>How the loops call: closed, or paced at <see cref="Rate"/>.</summary>
    public string Pace => Rate > 0
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"each loop paced at {Rate:G} calls/s")
        : "each loop calls again as soon as its call returned";

    /// <summary>When the first migration starts, in seconds since the measurement started.</summary>
    public double FirstMigration => Seconds * MigrateAt;

    /// <summary>How long the loops run: <see cref="Seconds"/>, or longer when the migrations need it (3 s after the last).</summary>
    public double Duration => Math.Max(Seconds, FirstMigration + (Migrations - 1) * Every + 3);
}

/// <summary>One completed (or failed) operation of a driver loop, in seconds since the measurement started.</summary>
internal readonly record struct Operation(double Start, double End, bool IsWrite, int Loop, bool Ok);

/// <summary>What one flavour's run measured.</summary>
internal sealed record ScenarioResult(
    Flavour Flavour,
    string Deployment,
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<(double Start, double End)> Migrations,
    IReadOnlyList<double> GrainMigrationMs,
    int GrainsMoved,
    IReadOnlyList<(string Component, int Count, double MeanMs, double MaxMs)> Components,
    IReadOnlyList<double> HeldCallsMs,
    IReadOnlyList<double> DelayMs,
    double Seconds)
{
    /// <summary>When the first migration started.</summary>
    public double MigrationStart => Migrations[0].Start;

    /// <summary>When the last migration ended.</summary>
    public double MigrationEnd => Migrations[^1].End;
}

/// <summary>
/// THESIS.md §1's realistic scenario: producers write values to their persistent state and
/// consumers read them from the store, on node 1; mid-run every producer and consumer migrates
/// to node 2 (IManagementGrain.MigrateAsync).
/// </summary>
/// <remarks>
/// Workload: <c>Pairs</c> producer/consumer pairs (default 4). Each producer and each consumer is
/// driven by its own loop that issues the next call when the previous one completed, so up to
/// 2 × Pairs operations are outstanding: throughput is not one sequential round trip, as it would
/// not be in a deployment with several sensors. The loops run inside the silo of the node hosting
/// the grains (as the thesis's services ran next to their workload): on node 1 until the migration
/// completed, then on node 2.
/// </remarks>
internal static class ThesisScenario
{
    public static async Task<ScenarioResult> RunAsync(Flavour flavour, ScenarioOptions options, Topology topology, Action<string> log)
    {
        await using var deployment = await flavour.DeployAsync!(topology).ConfigureAwait(false);
        TestCluster? cluster = null;
        var builder = new TestClusterBuilder(topology.SiloNodes.Length);
        builder.Options.ConnectClient = false;
        builder.Options.EmulatedEdge = topology.ToEdgeOptions();
        builder.ConfigureSilos((silo, index) =>
        {
            deployment.ConfigureSilo(silo, index, cluster!);
            silo.Configure<MigrationOptions>(o => o.HandOverTimeout = TimeSpan.FromSeconds(120));
            silo.Configure<MessagingOptions>(o =>
            {
                o.ResponseTimeout = TimeSpan.FromSeconds(120);
                o.MaxMessageSize = 64 << 20;
            });
        });
        cluster = builder.Build();
        await using var _ = cluster;
        using var metrics = new MigrationMetrics();
        using var replication = new ReplicationTotals();
        await cluster.DeployAsync().ConfigureAwait(false);
        log($"    {deployment.Description}");

        var source = cluster.Silos[0];
        var target = cluster.Silos[1];
        var grains = Grains.For(flavour.Strategy);
        var producerKeys = Enumerable.Range(0, options.Pairs).Select(i => $"producer-{i}").ToArray();
        var consumerKeys = Enumerable.Range(0, options.Pairs).Select(i => $"consumer-{i}").ToArray();

        // Activate everything on node 1 (prefer-local placement from a call inside silo 0).
        long sequence = 0;
        for (var i = 0; i < options.Pairs; i++)
        {
            var node = await grains.Producer(source.GrainFactory, producerKeys[i]).Put(Interlocked.Increment(ref sequence), options.ValueBytes).ConfigureAwait(false);
            if (node != source.NodeName)
            {
                throw new InvalidOperationException($"producer-{i} activated on {node}, not {source.NodeName}");
            }
            await grains.Consumer(source.GrainFactory, consumerKeys[i]).Read(producerKeys[i]).ConfigureAwait(false);
        }

        // Every silo serves a grain once, so each has its store connections open, as silos in
        // steady service do: the first call after the migration must not pay a TCP and HTTP/2
        // handshake to the store that a running deployment would not.
        foreach (var silo in cluster.Silos)
        {
            var warm = $"warmup-{silo.Index}";
            await grains.Producer(silo.GrainFactory, warm).Put(Interlocked.Increment(ref sequence), options.ValueBytes).ConfigureAwait(false);
            await grains.Consumer(silo.GrainFactory, warm + "-reader").Read(warm).ConfigureAwait(false);
        }

        // Each loop's grain, as the runtime's spans name it (--trace).
        var loopGrains = Enumerable.Range(0, 2 * options.Pairs)
            .Select(l => (l % 2 == 0 ? IdOf(grains.Producer(source.GrainFactory, producerKeys[l / 2])) : IdOf(grains.Consumer(source.GrainFactory, consumerKeys[l / 2]))).ToString())
            .ToArray();
        using var trace = options.Trace > 0 ? new HeldCallTrace() : null;
        var driver = source.GrainFactory;
        var clock = Stopwatch.StartNew();
        var warmup = options.WarmupSeconds;
        double Now() => clock.Elapsed.TotalSeconds - warmup;
        var end = options.Duration;
        var loops = new List<Operation>[2 * options.Pairs];
        var tasks = new Task[loops.Length];
        for (var l = 0; l < loops.Length; l++)
        {
            var loop = l;
            var ops = loops[l] = new List<Operation>(4096);
            var pair = loop / 2;
            var isWrite = loop % 2 == 0;
            tasks[l] = Task.Run(async () =>
            {
                var interval = options.Rate > 0 ? 1 / options.Rate : 0;
                // Spread the paced loops' first calls over one interval rather than all at once.
                var due = Now() + interval * loop / loops.Length;
                while (Now() < end)
                {
                    if (interval > 0)
                    {
                        if (due - Now() is var wait and > 0)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(wait)).ConfigureAwait(false);
                        }
                        // A call that ran late does not make the next ones burst to catch up.
                        due = Math.Max(due + interval, Now());
                    }
                    var start = Now();
                    var ok = true;
                    using var span = trace is null ? null : HeldCallTrace.StartCall(loopGrains[loop]);
                    try
                    {
                        if (isWrite)
                        {
                            await grains.Producer(driver, producerKeys[pair]).Put(Interlocked.Increment(ref sequence), options.ValueBytes).ConfigureAwait(false);
                        }
                        else
                        {
                            await grains.Consumer(driver, consumerKeys[pair]).Read(producerKeys[pair]).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        ok = false;
                        log($"    loop {loop}: {e.GetType().Name}: {e.Message}");
                    }
                    if (start >= 0)
                    {
                        ops.Add(new Operation(start, Now(), isWrite, loop, ok));
                    }
                }
            });
        }

        // Warm up, then forget the set-up migrations' metrics (there are none, but be exact).
        while (Now() < 0)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
        metrics.Reset();
        replication.Reset();
        var gcAtStart = GcTotals.Now();

        var management = source.GrainFactory.GetGrain<IManagementGrain>(0);
        var ids = producerKeys.Select(k => IdOf(grains.Producer(source.GrainFactory, k)))
            .Concat(consumerKeys.Select(k => IdOf(grains.Consumer(source.GrainFactory, k))))
            .ToArray();
        var spans = new List<(double Start, double End)>();
        var harnessSteps = new List<double>();
        var grainMs = new List<double>();
        var moved = 0;
        var hosts = new[] { source, target };
        for (var m = 0; m < options.Migrations; m++)
        {
            var from = hosts[m % 2];
            var to = hosts[(m + 1) % 2];
            var at = options.FirstMigration + m * options.Every;
            while (Now() < at)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
            if (m == 0 || options.Migrations <= 3)
            {
                log($"    migrating {ids.Length} grains from {from.NodeName} to {to.NodeName} at t = {Now():F2} s");
            }
            var migrationStart = Now();
            if (deployment.BeforeMigration is { } step)
            {
                var watch = Stopwatch.StartNew();
                await step.RunAsync(to.Index).ConfigureAwait(false);
                harnessSteps.Add(watch.Elapsed.TotalMilliseconds);
            }
            var durations = await Task.WhenAll(ids.Select(async id =>
            {
                var watch = Stopwatch.StartNew();
                var done = await management.MigrateAsync(id, to.Address).ConfigureAwait(false);
                return (done, watch.Elapsed.TotalMilliseconds);
            })).ConfigureAwait(false);
            spans.Add((migrationStart, Now()));
            driver = to.GrainFactory;
            grainMs.AddRange(durations.Select(d => d.TotalMilliseconds));
            moved += durations.Count(d => d.done);
            if (m == 0 || options.Migrations <= 3)
            {
                log($"    migration done at t = {spans[^1].End:F2} s ({durations.Count(d => d.done)} of {durations.Length} moved, longest {durations.Max(d => d.TotalMilliseconds):F0} ms)");
            }
        }
        if (options.Migrations > 3)
        {
            log($"    {options.Migrations} migrations done at t = {spans[^1].End:F2} s ({moved} of {grainMs.Count} grain moves, longest {grainMs.Max():F0} ms)");
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        trace?.Print(options.Trace, log);
        // Everything runs in this one process: a collection pauses the three silos, the proxies and the driver at once.
        log($"    {GcTotals.Now().Since(gcAtStart, clock.Elapsed.TotalSeconds - warmup)}");
        if (replication.Describe() is { } totals)
        {
            log($"    {totals}");
        }
        var last = hosts[options.Migrations % 2];
        foreach (var id in ids)
        {
            if (cluster.GetHostingSilo(id) is { } host && host != last)
            {
                log($"    note: {id} ended on {host.NodeName}");
            }
        }
        IReadOnlyList<(string, int, double, double)> harness = harnessSteps.Count == 0 || deployment.BeforeMigration is not { } before
            ? []
            : [(before.Component, harnessSteps.Count, harnessSteps.Average(), harnessSteps.Max())];
        return new ScenarioResult(
            flavour,
            deployment.Description,
            loops.SelectMany(l => l).OrderBy(o => o.End).ToList(),
            spans,
            grainMs,
            moved,
            [.. harness, .. metrics.Summary()],
            metrics.Values(MigrationMetrics.Disruption),
            metrics.Values(MigrationMetrics.Delay),
            end);
    }

    private static GrainId IdOf(IAddressable grain) => ((GrainReference)grain).GrainId;

    /// <summary>The grain interfaces of one strategy.</summary>
    internal sealed record Grains(Func<IGrainFactory, string, IThesisProducer> Producer, Func<IGrainFactory, string, IThesisConsumer> Consumer)
    {
        public static Grains For(MigrationStrategy strategy) => strategy switch
        {
            MigrationStrategy.Centralized => new((f, k) => f.GetGrain<ICentralizedProducerGrain>(k), (f, k) => f.GetGrain<ICentralizedConsumerGrain>(k)),
            MigrationStrategy.Reactive => new((f, k) => f.GetGrain<IReactiveProducerGrain>(k), (f, k) => f.GetGrain<IReactiveConsumerGrain>(k)),
            MigrationStrategy.Proactive => new((f, k) => f.GetGrain<IProactiveProducerGrain>(k), (f, k) => f.GetGrain<IProactiveConsumerGrain>(k)),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
        };
    }
}

/// <summary>Command-line helpers.</summary>
internal static class Cli
{
    public static double Double(string[] args, string name, double fallback) =>
        Value(args, name) is { } text && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } text && int.TryParse(text, out var value) ? value : fallback;

    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
