using System.Diagnostics;
using System.Globalization;
using ActorEdge.Persistence.NodeLocal;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorEdge.Benchmarks.Storage;

/// <summary>The state the NodeLocal benchmark writes: a blob of the measured size.</summary>
[GenerateSerializer]
public sealed class BlobState
{
    [Id(0)]
    public byte[] Blob { get; set; } = [];
}

/// <summary>
/// <c>-- nodelocal</c>: writes and reads per second through <see cref="NodeLocalGrainStorage"/> for 1 KB
/// and 100 KB states, with 1 and 16 concurrent grains (each writer its own grain, as grains are
/// single-threaded), on the disk under the root (default: a new folder under the temp dir).
/// Every write is durable (fsync of the file and of its directory). Prints a markdown table.
/// Options: <c>--root PATH</c>, <c>--seconds 3</c>, <c>--concurrency 1,16</c>.
/// </summary>
public static class NodeLocalQuickRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds") ?? "3", CultureInfo.InvariantCulture);
        var concurrencies = (Option(args, "--concurrency") ?? "1,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var root = Option(args, "--root") ?? Path.Combine(Path.GetTempPath(), "actoredge-nodelocal-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        Console.WriteLine($"NodeLocal storage benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, root {root} ({seconds} s per row)");
        Console.WriteLine();
        Console.WriteLine("| Operation | State | Concurrency | ops/s | MB/s | p50 ms | p99 ms | Alloc/op |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        try
        {
            using var storage = new NodeLocalGrainStorage("bench", "bench", root, new NodeLocalStorageOptions(), NullLogger<NodeLocalGrainStorage>.Instance);
            foreach (var size in (int[])[1024, 100 * 1024])
            {
                foreach (var concurrency in concurrencies)
                {
                    var grains = Enumerable.Range(0, concurrency).Select(i => new GrainId("bench", $"{size}-{concurrency}-{i}")).ToArray();
                    var states = grains.Select(_ => new GrainState<BlobState>(new BlobState { Blob = new byte[size] })).ToArray();
                    await RowAsync("write", size, concurrency, seconds, i => storage.WriteStateAsync("s", grains[i], states[i])).ConfigureAwait(false);
                    await RowAsync("read", size, concurrency, seconds, i => storage.ReadStateAsync("s", grains[i], states[i])).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (Option(args, "--root") is null)
            {
                Directory.Delete(root, recursive: true);
            }
        }
        return 0;
    }

    private static async Task RowAsync(string operation, int size, int concurrency, double seconds, Func<int, Task> run)
    {
        // Warm-up (and for reads, make sure each grain has a record).
        for (var i = 0; i < concurrency; i++)
        {
            await run(i).ConfigureAwait(false);
        }
        var latencies = new List<double>[concurrency];
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (clock.Elapsed < until)
            {
                var start = Stopwatch.GetTimestamp();
                await run(w).ConfigureAwait(false);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }))).ConfigureAwait(false);
        var elapsed = clock.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var ops = all.Length / elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {operation} | {(size >= 1024 * 1024 ? $"{size / (1024 * 1024)} MB" : $"{size / 1024} KB")} | {concurrency} | {ops:N0} | {ops * size / (1024 * 1024):N1} | {all[all.Length / 2]:0.000} | {all[(int)(all.Length * 0.99)]:0.000} | {allocated / all.Length:N0} B |"));
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
