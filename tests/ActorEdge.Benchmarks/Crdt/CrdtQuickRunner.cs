using System.Diagnostics;
using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Runtime;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Benchmarks.Crdt;

/// <summary>
/// CRDT replication numbers for docs/benchmarks-crdt.md: delta bytes per update against the size
/// of the change, propagation latency against the link round trip plus the send interval,
/// updates/s per silo, and convergence time after a partition heals (3 and 6 silos).
/// <c>dotnet run -c Release --project tests/ActorEdge.Benchmarks -- crdt</c> (<c>-- crdt bytes</c>: the byte tables only;
/// <c>-- crdt throughput</c>: the updates/s without a journal only; <c>-- crdt scaling</c>: update cost against state size, see <see cref="CrdtScalingRunner"/>).
/// </summary>
internal static class CrdtQuickRunner
{
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "scaling", StringComparison.OrdinalIgnoreCase))
        {
            await CrdtScalingRunner.RunAsync().ConfigureAwait(false);
            return 0;
        }
        if (args.Length > 0 && string.Equals(args[0], "throughput", StringComparison.OrdinalIgnoreCase))
        {
            await ThroughputAsync(journal: false).ConfigureAwait(false);
            return 0;
        }
        DeltaSizes();
        await WireBytesPerUpdateAsync().ConfigureAwait(false);
        if (args.Length > 0 && string.Equals(args[0], "bytes", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        await PropagationAsync().ConfigureAwait(false);
        await ThroughputAsync(journal: false).ConfigureAwait(false);
        await ThroughputAsync(journal: true).ConfigureAwait(false);
        foreach (var silos in new[] { 3, 6 })
        {
            await ConvergenceAfterHealAsync(silos).ConfigureAwait(false);
        }
        return 0;
    }

    private static void DeltaSizes()
    {
        Console.WriteLine("## Delta bytes per update vs the change itself (encoded CRDT delta; full state after 1 000 updates)");
        Console.WriteLine("| update | change (B) | delta (B) | delta/change | full state (B) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var clock = new HybridLogicalClock(TimeProvider.System);

        var counter = new GCounter();
        GCounter counterDelta = null!;
        for (var i = 0; i < 1000; i++)
        {
            counterDelta = counter.Increment($"replica-{i % 6}", 1);
        }
        // The change of an increment: the replica id and its new count.
        Row("GCounter increment (6 replicas)", "replica-5".Length + 2, Size(counterDelta), Size(counter));

        foreach (var elementBytes in new[] { 16, 256, 4096 })
        {
            var set = new ORSet<string>();
            ORSet<string> delta = null!;
            for (var i = 0; i < 1000; i++)
            {
                delta = set.Add($"replica-{i % 6}", $"{i:D6}".PadRight(elementBytes, 'x'));
            }
            // The change of an add: the element, and the dot that tags it (replica id, counter).
            Row($"ORSet add, {elementBytes} B element", elementBytes + "replica-3".Length + 2, Size(delta), Size(set));
        }

        foreach (var stateBytes in new[] { 100, 1024, 10 * 1024 })
        {
            var register = new LwwRegister<byte[]>();
            LwwRegister<byte[]> delta = null!;
            for (var i = 0; i < 1000; i++)
            {
                delta = register.Assign(new byte[stateBytes], clock.Now(), $"replica-{i % 6}");
            }
            // State-level LWW: the change is the new state itself.
            Row($"grain state write (LWW), {stateBytes} B state", stateBytes, Size(delta), Size(register));
        }

        var map = new ORMap<string, PNCounter>();
        ORMap<string, PNCounter> mapDelta = null!;
        for (var i = 0; i < 1000; i++)
        {
            mapDelta = map.Update($"replica-{i % 6}", $"sensor-{i % 100:D3}", c => c.Increment($"replica-{i % 6}", 1));
        }
        Row("ORMap<string, PNCounter> update (100 keys)", "sensor-000".Length + "replica-3".Length + 2, Size(mapDelta), Size(map));
        Console.WriteLine();

        static void Row(string name, int change, int delta, int full) =>
            Console.WriteLine($"| {name} | {change} | {delta} | {(double)delta / change:F2} | {full} |");
    }

    private static int Size<T>(T value) where T : class, ICrdt<T> => CrdtSerializer.SerializeToArray(value).Length;

    /// <summary>Bytes on the wire per update: replication payload sent to one peer, one update per batch.</summary>
    private static async Task WireBytesPerUpdateAsync()
    {
        Console.WriteLine("## Replication payload per update to one peer (deltas sent one per batch: session, key number, dot, sequence, wall clock included)");
        Console.WriteLine("| update | change (B) | delta (B) | payload per update per peer (B) | payload/delta | payload/change |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        await using var cluster = await StartClusterAsync(2, journal: false).ConfigureAwait(false);
        var (s0, s1) = (cluster.Silos[0], cluster.Silos[1]);
        var replicator = s0.Services.GetRequiredService<CrdtReplicator>();
        var storage = (ICrdtGrainStorage)s0.Services.GetRequiredKeyedService<IGrainStorage>("crdt");
        var grain = new GrainId("bench", "wire");
        foreach (var stateBytes in new[] { 100, 1024, 10 * 1024 })
        {
            var state = new GrainState<byte[]>(new byte[stateBytes]);
            var name = $"s{stateBytes}";
            await MeasureAsync($"grain state write, {stateBytes} B", stateBytes, () => storage.WriteStateAsync(name, grain, state)).ConfigureAwait(false);
        }
        var set = storage.GetCrdtState<ORSet<string>>("set", grain);
        var n = 0;
        // The change of an add or increment names this silo's replica id (and a counter or count, ~2 B).
        var replica = replicator.ReplicaId.Length;
        await MeasureAsync("ORSet add, 16 B element", 16 + replica + 2, () => set.UpdateAsync((s, ctx) => s.Add(ctx.ReplicaId, $"{n++:D16}"))).ConfigureAwait(false);
        var counter = storage.GetCrdtState<GCounter>("counter", grain);
        await MeasureAsync("GCounter increment", replica + 2, () => counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId))).ConfigureAwait(false);
        var map = storage.GetCrdtState<ORMap<string, PNCounter>>("map", grain);
        var m = 0;
        await MeasureAsync("ORMap<string, PNCounter> update (100 keys, one writer)", "sensor-000".Length + replica + 2, () => map.UpdateAsync((s, ctx) => s.Update(ctx.ReplicaId, $"sensor-{m++ % 100:D3}", c => c.Increment(ctx.ReplicaId, 1)))).ConfigureAwait(false);
        Console.WriteLine();

        async Task MeasureAsync(string name, int change, Func<Task> update)
        {
            var peer = s1.Services.GetRequiredService<CrdtReplicator>();
            await update().ConfigureAwait(false);
            await WaitAsync(() => Delivered(peer, replicator)).ConfigureAwait(false);
            var (bytes0, delta0, updates0) = (replicator.Stats.DeltaBytesSent, replicator.Stats.DeltaBytes, replicator.Stats.Updates);
            for (var i = 0; i < 200; i++)
            {
                await update().ConfigureAwait(false);
                await WaitAsync(() => Delivered(peer, replicator)).ConfigureAwait(false);
            }
            var updates = replicator.Stats.Updates - updates0;
            var payload = (double)(replicator.Stats.DeltaBytesSent - bytes0) / updates;
            var delta = (double)(replicator.Stats.DeltaBytes - delta0) / updates;
            Console.WriteLine($"| {name} | {change} | {delta:F0} | {payload:F0} | {payload / delta:F2} | {payload / change:F2} |");
        }
    }

    private static bool Delivered(CrdtReplicator peer, CrdtReplicator origin) =>
        peer.DeliveredFrom(origin.ReplicaId) == origin.LocalSequence;

    /// <summary>Steady load on silo 0; time until every peer has each update, against the link round trip.</summary>
    private static async Task PropagationAsync()
    {
        Console.WriteLine($"## Propagation under steady load (200 updates/s from silo 0, send interval {SendInterval.TotalMilliseconds} ms)");
        Console.WriteLine("| silos | link RTT p50 (ms) | visible at all peers p50 (ms) | p99 (ms) | max (ms) | target RTT + send interval (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var silos in new[] { 3, 6 })
        {
            await using var cluster = await StartClusterAsync(silos, journal: false).ConfigureAwait(false);
            var origin = cluster.Silos[0].Services.GetRequiredService<CrdtReplicator>();
            var peers = cluster.Silos.Skip(1).Select(s => s.Services.GetRequiredService<CrdtReplicator>()).ToList();
            var messenger = cluster.Silos[0].Services.GetRequiredService<ISiloMessenger>();
            var rtts = new List<double>();
            var probe = ReplicationCodec.Encode((ref Writer w) => ReplicationCodec.WriteString(ref w, 1, "rtt-probe"));
            for (var i = 0; i < 200; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await messenger.SendAsync(cluster.Silos[1 + i % (silos - 1)].Address, CrdtReplicator.TargetId, ReplicationCodec.MethodDeltas, probe).ConfigureAwait(false);
                rtts.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            var state = ((ICrdtGrainStorage)cluster.Silos[0].Services.GetRequiredKeyedService<IGrainStorage>("crdt")).GetCrdtState<GCounter>("c", new GrainId("bench", "propagation"));
            var latencies = new List<double>();
            var period = TimeSpan.FromMilliseconds(5);
            var next = Stopwatch.GetTimestamp();
            for (var i = 0; i < 600; i++)
            {
                next += (long)(period.TotalSeconds * Stopwatch.Frequency);
                var started = Stopwatch.GetTimestamp();
                await state.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId)).ConfigureAwait(false);
                var sequence = origin.LocalSequence;
                while (!peers.All(p => p.DeliveredFrom(origin.ReplicaId) >= sequence))
                {
                    await Task.Yield();
                }
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                var wait = next - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)).ConfigureAwait(false);
                }
            }
            var rtt = Percentile(rtts, 0.5);
            Console.WriteLine($"| {silos} | {rtt:F2} | {Percentile(latencies, 0.5):F2} | {Percentile(latencies, 0.99):F2} | {latencies.Max():F2} | {rtt + SendInterval.TotalMilliseconds:F2} |");
        }
        Console.WriteLine();
    }

    private static async Task ThroughputAsync(bool journal)
    {
        Console.WriteLine($"## Updates/s per silo, 3 silos all writing (GCounter increments on 100 keys, 16 concurrent writers per silo, {(journal ? "fsync'd journal" : "no journal")})");
        await using var cluster = await StartClusterAsync(3, journal).ConfigureAwait(false);
        var duration = TimeSpan.FromSeconds(3);
        var counts = new long[cluster.Silos.Count];
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var writers = new List<Task>();
        for (var s = 0; s < cluster.Silos.Count; s++)
        {
            var storage = (ICrdtGrainStorage)cluster.Silos[s].Services.GetRequiredKeyedService<IGrainStorage>("crdt");
            var index = s;
            for (var w = 0; w < 16; w++)
            {
                var writer = w;
                writers.Add(Task.Run(async () =>
                {
                    var i = writer;
                    while (Stopwatch.GetTimestamp() < stop)
                    {
                        // Without a journal an update completes synchronously: yield so every silo's writers get the cores.
                        if (i % 16 == 0)
                        {
                            await Task.Yield();
                        }
                        await storage.GetCrdtState<GCounter>("c", new GrainId("bench", $"k{i++ % 100}")).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId)).ConfigureAwait(false);
                        Interlocked.Increment(ref counts[index]);
                    }
                }));
            }
        }
        await Task.WhenAll(writers).ConfigureAwait(false);
        var replicators = cluster.Silos.Select(s => s.Services.GetRequiredService<CrdtReplicator>()).ToList();
        var converge = Stopwatch.StartNew();
        await WaitAsync(() => replicators.All(r => replicators.All(o => o == r || r.DeliveredFrom(o.ReplicaId) == o.LocalSequence))).ConfigureAwait(false);
        Console.WriteLine($"per silo: {string.Join(", ", counts.Select(c => $"{c / duration.TotalSeconds:F0}"))} updates/s; all delivered everywhere {converge.Elapsed.TotalMilliseconds:F0} ms after the load stopped");
        Console.WriteLine();
    }

    private static async Task ConvergenceAfterHealAsync(int silos)
    {
        await using var cluster = await StartClusterAsync(silos, journal: false).ConfigureAwait(false);
        var replicators = cluster.Silos.Select(s => s.Services.GetRequiredService<CrdtReplicator>()).ToList();
        var half = silos / 2;
        bool Same(int a, int b) => a < half == b < half;
        var addresses = cluster.Silos.Select(s => s.Address).ToList();
        var cut = true;
        for (var i = 0; i < silos; i++)
        {
            var self = i;
            replicators[i].LinkFilter = peer => !cut || Same(self, addresses.IndexOf(peer));
        }
        for (var i = 0; i < silos; i++)
        {
            var storage = (ICrdtGrainStorage)cluster.Silos[i].Services.GetRequiredKeyedService<IGrainStorage>("crdt");
            for (var n = 0; n < 100; n++)
            {
                await storage.GetCrdtState<ORSet<string>>("set", new GrainId("bench", $"k{n % 50}")).UpdateAsync((s, ctx) => s.Add(ctx.ReplicaId, $"{ctx.ReplicaId}-{n}")).ConfigureAwait(false);
            }
        }
        var keys = Enumerable.Range(0, 50).Select(n => $"crdt/actoredge/bench/k{n}/set").ToList();
        await WaitAsync(() => Enumerable.Range(0, silos).All(i => keys.All(k => replicators[i].VersionOf(k).ToString() == replicators[i < half ? 0 : half].VersionOf(k).ToString()))).ConfigureAwait(false);
        var healed = Stopwatch.StartNew();
        cut = false;
        await WaitAsync(() => keys.All(k =>
        {
            var first = replicators[0].VersionOf(k).ToString();
            return replicators.All(r => r.VersionOf(k).ToString() == first) && replicators[0].VersionOf(k).VersionVector.Count == silos;
        })).ConfigureAwait(false);
        Console.WriteLine($"## Convergence after heal, {silos} silos split {half}/{silos - half}, 50 keys × {silos * 100} concurrent updates: {healed.Elapsed.TotalMilliseconds:F0} ms (send interval {SendInterval.TotalMilliseconds} ms, anti-entropy 200 ms)");
        Console.WriteLine();
    }

    private static async Task<TestCluster> StartClusterAsync(int silos, bool journal)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConnectClient = false;
        var root = Path.Combine(Path.GetTempPath(), $"crdt-bench-{Guid.NewGuid():N}");
        builder.ConfigureSilos((silo, index) =>
        {
            silo.AddCrdtGrainStorage("crdt");
            silo.ConfigureCrdtReplication(o =>
            {
                o.SendInterval = SendInterval;
                o.AntiEntropyInterval = TimeSpan.FromMilliseconds(200);
                o.JournalDirectory = journal ? Path.Combine(root, index.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync().ConfigureAwait(false);
        return cluster;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException("The benchmark's condition was not reached within 60 s.");
            }
            await Task.Yield();
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
