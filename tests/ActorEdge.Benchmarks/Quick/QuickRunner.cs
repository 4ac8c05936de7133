using System.Diagnostics;
using System.Globalization;
using ActorEdge.Benchmarks.Infrastructure;
using ActorEdge.Benchmarks.Messaging;

namespace ActorEdge.Benchmarks.Quick;

/// <summary>
/// <c>-- quick</c>: the three call throughputs (raw socket, in-silo, cross-silo) measured for a
/// few seconds each after a warmup, printed as a table with calls/s and the ratio to the raw
/// baseline. A spot check that needs no BenchmarkDotNet build; the numbers are noisier.
/// </summary>
public static class QuickRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = ReadOption(args, "--seconds", 3.0);
        var warmup = ReadOption(args, "--warmup", 1.0);
        var concurrencies = ReadConcurrencies(args);

        Console.WriteLine($"ActorEdge quick benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {seconds:0.#} s per measurement after {warmup:0.#} s warmup");
        await using var cluster = await EchoCluster.StartAsync(grainCount: Max(concurrencies)).ConfigureAwait(false);
        await using var server = RawEchoServer.Start();
        await using var client = await RawEchoClient.ConnectAsync(server.EndPoint, Max(concurrencies)).ConfigureAwait(false);

        var rows = new List<(string Name, int Concurrency, double CallsPerSecond, double BytesPerCall)>();
        foreach (var concurrency in concurrencies)
        {
            var raw = await MeasureAsync(stop => CallLoad.RunUntilAsync(client, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            var inSilo = await MeasureAsync(stop => CallLoad.RunUntilAsync(cluster.Local, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            var crossSilo = await MeasureAsync(stop => CallLoad.RunUntilAsync(cluster.Remote, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            rows.Add(("Raw socket", concurrency, raw.CallsPerSecond, raw.BytesPerCall));
            rows.Add(("In-silo call", concurrency, inSilo.CallsPerSecond, inSilo.BytesPerCall));
            rows.Add(("Cross-silo call", concurrency, crossSilo.CallsPerSecond, crossSilo.BytesPerCall));
        }

        Console.WriteLine();
        Console.WriteLine("| Benchmark | Concurrency | Calls/s | Mean/call | Alloc/call | Ratio to raw |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var raw = rows.First(r => r.Concurrency == row.Concurrency && r.Name == "Raw socket").CallsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.Concurrency} | {row.CallsPerSecond:N0} | {1e6 / row.CallsPerSecond:0.00} µs | {row.BytesPerCall:N0} B | {row.CallsPerSecond / raw:0.00} |"));
        }
        return 0;
    }

    private static async Task<(double CallsPerSecond, double BytesPerCall)> MeasureAsync(Func<StopFlag, Task<long>> run, double warmupSeconds, double seconds)
    {
        await TimedAsync(run, warmupSeconds).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (calls, elapsed) = await TimedAsync(run, seconds).ConfigureAwait(false);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return (calls / elapsed.TotalSeconds, (double)allocated / calls);
    }

    private static async Task<(long Calls, TimeSpan Elapsed)> TimedAsync(Func<StopFlag, Task<long>> run, double seconds)
    {
        var stop = new StopFlag();
        var stopwatch = Stopwatch.StartNew();
        var running = run(stop);
        await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        stop.Set();
        var calls = await running.ConfigureAwait(false);
        return (calls, stopwatch.Elapsed);
    }

    private static double ReadOption(string[] args, string name, double fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && double.TryParse(args[index + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private static int[] ReadConcurrencies(string[] args)
    {
        var index = Array.IndexOf(args, "--concurrency");
        if (index < 0 || index + 1 >= args.Length)
        {
            return [1, 64];
        }
        return args[index + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    private static int Max(int[] values) => values.Max();
}
