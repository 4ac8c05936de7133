using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Management;
using ActorEdge.TestingHost;

namespace ActorEdge.Testbed.Thesis;

/// <summary>One migration of the sweep.</summary>
/// <param name="Flavour">The flavour's name.</param>
/// <param name="StateBytes">The size of the migrating grain's state.</param>
/// <param name="MegabitsPerSecond">The cap on every link between distinct nodes.</param>
/// <param name="Repetition">Which migration of the point (they alternate node 1 to node 2 and back).</param>
/// <param name="MigrationMs">The runtime's <c>total</c> component: migrate request to hand-over complete, at the source.</param>
/// <param name="WallMs">IManagementGrain.MigrateAsync as its caller on node 1 saw it (adds a round trip when the grain is on node 2).</param>
/// <param name="TransferMs">The runtime's <c>transfer</c> component: the hand-over round trip minus import and directory time.</param>
/// <param name="IdealTransferMs">The state's size at the link's rate, without delay or overhead.</param>
internal sealed record SweepPoint(string Flavour, int StateBytes, double MegabitsPerSecond, int Repetition, double MigrationMs, double WallMs, double TransferMs, double IdealTransferMs);

/// <summary>
/// Migration time against state size and link bandwidth (THESIS.md §1, the thesis's Figure 5.20
/// for Reactive): one producer with a state of each size migrates back and forth between node 1
/// and node 2 over links capped at each bandwidth. The flavour is an input, so the same harness
/// measures Reactive flavours once they exist, and any other flavour meanwhile.
/// </summary>
internal static class SweepScenario
{
    public static readonly int[] DefaultSizes = [1024, 100 * 1024, 1024 * 1024, 10 * 1024 * 1024];
    public static readonly double[] DefaultMegabits = [10, 100, 1000];

    public static async Task<List<SweepPoint>> RunAsync(Flavour flavour, int[] sizes, double[] megabits, int repetitions, Action<string> log)
    {
        var points = new List<SweepPoint>();
        foreach (var mbit in megabits)
        {
            var topology = Topology.Thesis((long)(mbit * 1_000_000 / 8));
            await using var deployment = await flavour.DeployAsync!(topology).ConfigureAwait(false);
            TestCluster? cluster = null;
            var builder = new TestClusterBuilder(2);
            builder.Options.ConnectClient = false;
            builder.Options.EmulatedEdge = topology.ToEdgeOptions();
            builder.ConfigureSilos((silo, index) =>
            {
                deployment.ConfigureSilo(silo, index, cluster!);
                silo.Configure<MigrationOptions>(o => o.HandOverTimeout = TimeSpan.FromSeconds(300));
                silo.Configure<MessagingOptions>(o =>
                {
                    o.ResponseTimeout = TimeSpan.FromSeconds(300);
                    o.MaxMessageSize = 64 << 20;
                });
            });
            cluster = builder.Build();
            await using var _ = cluster;
            using var metrics = new MigrationMetrics();
            await cluster.DeployAsync().ConfigureAwait(false);
            var silos = new[] { cluster.Silos[0], cluster.Silos[1] };
            var grains = ThesisScenario.Grains.For(flavour.Strategy);
            var management = silos[0].GrainFactory.GetGrain<IManagementGrain>(0);
            foreach (var size in sizes)
            {
                var key = $"sweep-{size}";
                await grains.Producer(silos[0].GrainFactory, key).Put(1, size).ConfigureAwait(false);
                var id = ((GrainReference)grains.Producer(silos[0].GrainFactory, key)).GrainId;
                for (var rep = 0; rep < repetitions; rep++)
                {
                    var to = silos[(rep + 1) % 2];
                    metrics.Reset();
                    var watch = Stopwatch.StartNew();
                    var moved = await management.MigrateAsync(id, to.Address).ConfigureAwait(false);
                    var elapsed = watch.Elapsed.TotalMilliseconds;
                    if (!moved)
                    {
                        throw new InvalidOperationException($"{key} did not move to {to}");
                    }
                    var components = metrics.Summary();
                    var transfer = components.FirstOrDefault(c => c.Component == "transfer").MeanMs;
                    var total = components.FirstOrDefault(c => c.Component == "total").MeanMs;
                    var ideal = size * 8 / (mbit * 1_000_000) * 1000;
                    points.Add(new SweepPoint(flavour.Name, size, mbit, rep, total, elapsed, transfer, ideal));
                    log(string.Create(CultureInfo.InvariantCulture, $"    {Size(size),7} at {mbit,5} Mbit/s, to {to.NodeName}: {total,8:F1} ms (transfer component {transfer:F1} ms; state at link rate {ideal:F1} ms; MigrateAsync from node-1 {elapsed:F1} ms)"));
                }
            }
        }
        return points;
    }

    public static void Print(IReadOnlyList<SweepPoint> points, TextWriter output)
    {
        var megabits = points.Select(p => p.MegabitsPerSecond).Distinct().Order().ToList();
        output.WriteLine();
        output.WriteLine("Migration time, median over repetitions (ms): runtime total (transfer component) [state size at link rate]");
        output.WriteLine($"| flavour | state | {string.Join(" | ", megabits.Select(m => $"{m} Mbit/s"))} |");
        output.WriteLine($"|---|---|{string.Concat(megabits.Select(_ => "---|"))}");
        foreach (var group in points.GroupBy(p => (p.Flavour, p.StateBytes)))
        {
            var cells = megabits.Select(m =>
            {
                var at = group.Where(p => p.MegabitsPerSecond == m).ToList();
                return at.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
                    $"{Median(at.Select(p => p.MigrationMs))} ({Median(at.Select(p => p.TransferMs))}) [{at[0].IdealTransferMs:F0}]");
            });
            output.WriteLine($"| {group.Key.Flavour} | {Size(group.Key.StateBytes)} | {string.Join(" | ", cells)} |");
        }
    }

    public static void WriteCsv(IReadOnlyList<SweepPoint> points, string path)
    {
        var csv = new StringBuilder("flavour,state_bytes,mbit_per_s,repetition,migration_ms,wall_ms,transfer_ms,ideal_transfer_ms\n");
        foreach (var p in points)
        {
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{p.Flavour},{p.StateBytes},{p.MegabitsPerSecond},{p.Repetition},{p.MigrationMs:F1},{p.WallMs:F1},{p.TransferMs:F1},{p.IdealTransferMs:F1}\n"));
        }
        File.WriteAllText(path, csv.ToString());
    }

    private static string Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2].ToString("F0", CultureInfo.InvariantCulture);
    }

    public static string Size(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes / 1024} KB";
}
