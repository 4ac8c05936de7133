using System.Diagnostics;
using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Benchmarks.Crdt;

/// <summary>
/// How the cost of one local update grows with the size of the state: updates/s through
/// <c>ICrdtState.UpdateAsync</c> (the replicator, one silo, no journal), lookups/s through
/// <c>ICrdtState.Value</c> and <c>ICrdtState.Read</c>, and the raw type operations, for states of
/// 100 / 1 000 / 10 000 entries.
/// <c>dotnet run -c Release --project tests/ActorEdge.Benchmarks -- crdt scaling</c>.
/// </summary>
/// <remarks>
/// An update re-adds an element already present (or increments a key already present), cycling
/// through them, so the state keeps its size while it is measured; a re-add replaces the
/// element's dot, so it exercises the remove path of the kernel too.
/// </remarks>
internal static class CrdtScalingRunner
{
    private static readonly int[] Sizes = [100, 1_000, 10_000];
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);

    public static async Task RunAsync()
    {
        Console.WriteLine($"## Local updates/s through the replicator (ICrdtState.UpdateAsync, 1 silo, no journal, one writer, {Duration.TotalSeconds} s each)");
        Console.WriteLine("| state | 100 entries | 1 000 entries | 10 000 entries |");
        Console.WriteLine("|---|---:|---:|---:|");
        await using (var cluster = await StartAsync().ConfigureAwait(false))
        {
            var storage = (ICrdtGrainStorage)cluster.Silos[0].Services.GetRequiredKeyedService<IGrainStorage>("crdt");
            var setRates = new List<double>();
            var mapRates = new List<double>();
            var valueRates = new List<double>();
            var readRates = new List<double>();
            foreach (var size in Sizes)
            {
                var set = storage.GetCrdtState<ORSet<string>>("set", new GrainId("bench", $"set{size}"));
                await FillAsync(size, (from, to) => set.UpdateAsync((s, ctx) => Batch(from, to, i => s.Add(ctx.ReplicaId, Element(i))))).ConfigureAwait(false);
                var n = 0;
                setRates.Add(await RateAsync(() => set.UpdateAsync((s, ctx) => s.Add(ctx.ReplicaId, Element(n++ % size)))).ConfigureAwait(false));
                var v = 0;
                valueRates.Add(Rate(() => set.Value.Contains(Element(v++ % size))));
                var r = 0;
                readRates.Add(Rate(() => set.Read(s => s.Contains(Element(r++ % size)))));

                var map = storage.GetCrdtState<ORMap<string, PNCounter>>("map", new GrainId("bench", $"map{size}"));
                await FillAsync(size, (from, to) => map.UpdateAsync((s, ctx) => Batch(from, to, i => s.Update(ctx.ReplicaId, Element(i), c => c.Increment(ctx.ReplicaId, 1))))).ConfigureAwait(false);
                var m = 0;
                mapRates.Add(await RateAsync(() => map.UpdateAsync((s, ctx) => s.Update(ctx.ReplicaId, Element(m++ % size), c => c.Increment(ctx.ReplicaId, 1)))).ConfigureAwait(false));
            }
            Row("ORSet<string> add", setRates);
            Row("ORMap<string, PNCounter> increment", mapRates);
            Row("ORSet<string> contains, through Value (a copy)", valueRates);
            Row("ORSet<string> contains, through Read", readRates);
        }
        Console.WriteLine();

        Console.WriteLine($"## Raw type operations/s (no replicator; {Duration.TotalSeconds} s each)");
        Console.WriteLine("| operation | 100 entries | 1 000 entries | 10 000 entries |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("ORSet<string> add (re-add)", Sizes.Select(size =>
        {
            var set = new ORSet<string>();
            for (var i = 0; i < size; i++)
            {
                set.Add("replica-a", Element(i));
            }
            var n = 0;
            return Rate(() => set.Add("replica-a", Element(n++ % size)));
        }).ToList());
        Row("ORSet<string> clone", Sizes.Select(size =>
        {
            var set = new ORSet<string>();
            for (var i = 0; i < size; i++)
            {
                set.Add("replica-a", Element(i));
            }
            return Rate(() => set.Clone());
        }).ToList());
        Row("ORSet<string> merge of a remote add", Sizes.Select(size =>
        {
            var set = new ORSet<string>();
            var remote = new ORSet<string>();
            for (var i = 0; i < size; i++)
            {
                set.Merge(remote.Add("replica-b", Element(i)));
            }
            var n = 0;
            return Rate(() => set.Merge(remote.Add("replica-b", Element(n++ % size))));
        }).ToList());
        Row("ORMap<string, PNCounter> increment", Sizes.Select(size =>
        {
            var map = new ORMap<string, PNCounter>();
            for (var i = 0; i < size; i++)
            {
                map.Update("replica-a", Element(i), c => c.Increment("replica-a", 1));
            }
            var n = 0;
            return Rate(() => map.Update("replica-a", Element(n++ % size), c => c.Increment("replica-a", 1)));
        }).ToList());
        Row("ORMap<string, PNCounter> clone", Sizes.Select(size =>
        {
            var map = new ORMap<string, PNCounter>();
            for (var i = 0; i < size; i++)
            {
                map.Update("replica-a", Element(i), c => c.Increment("replica-a", 1));
            }
            return Rate(() => map.Clone());
        }).ToList());
        Row("ORMap<string, PNCounter> merge of a remote increment", Sizes.Select(size =>
        {
            var map = new ORMap<string, PNCounter>();
            var remote = new ORMap<string, PNCounter>();
            for (var i = 0; i < size; i++)
            {
                map.Merge(remote.Update("replica-b", Element(i), c => c.Increment("replica-b", 1)));
            }
            var n = 0;
            return Rate(() => map.Merge(remote.Update("replica-b", Element(n++ % size), c => c.Increment("replica-b", 1))));
        }).ToList());
        Row("ORMap<string, PNCounter> ContainsKey", Sizes.Select(size =>
        {
            var map = new ORMap<string, PNCounter>();
            for (var i = 0; i < size; i++)
            {
                map.Update("replica-a", Element(i), c => c.Increment("replica-a", 1));
            }
            var n = 0;
            return Rate(() => map.ContainsKey(Element(n++ % size)));
        }).ToList());
        var clock = new HybridLogicalClock(TimeProvider.System);
        Row("LwwMap<string, string> set", Sizes.Select(size =>
        {
            var map = new LwwMap<string, string>();
            for (var i = 0; i < size; i++)
            {
                map.Set(Element(i), "v", clock.Now(), "replica-a");
            }
            var n = 0;
            return Rate(() => map.Set(Element(n++ % size), "w", clock.Now(), "replica-a"));
        }).ToList());
        Console.WriteLine();
    }

    private static string Element(int i) => $"element-{i:D6}";

    /// <summary>Applies <paramref name="update"/> for [from, to) and returns the join of the deltas (one replicated update).</summary>
    private static T Batch<T>(int from, int to, Func<int, T> update) where T : class, ICrdt<T>
    {
        var delta = update(from);
        for (var i = from + 1; i < to; i++)
        {
            delta.Merge(update(i));
        }
        return delta;
    }

    /// <summary>Fills a state in batches of 250 entries (each batch's delta well within one message).</summary>
    private static async Task FillAsync(int size, Func<int, int, Task> batch)
    {
        for (var from = 0; from < size; from += 250)
        {
            await batch(from, Math.Min(size, from + 250)).ConfigureAwait(false);
        }
    }

    private static async Task<double> RateAsync(Func<Task> update)
    {
        await update().ConfigureAwait(false);
        var count = 0;
        var started = Stopwatch.GetTimestamp();
        var stop = started + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < stop)
        {
            await update().ConfigureAwait(false);
            count++;
        }
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double Rate(Action operation)
    {
        operation();
        var count = 0;
        var started = Stopwatch.GetTimestamp();
        var stop = started + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < stop)
        {
            operation();
            count++;
        }
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static void Row(string name, List<double> rates) =>
        Console.WriteLine($"| {name} | {string.Join(" | ", rates.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} |");

    private static async Task<TestCluster> StartAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ConnectClient = false;
        builder.ConfigureSilos((silo, _) =>
        {
            silo.AddCrdtGrainStorage("crdt");
            silo.ConfigureCrdtReplication(o => o.JournalDirectory = null);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync().ConfigureAwait(false);
        return cluster;
    }
}
