using System.Diagnostics;
using System.Diagnostics.Metrics;
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

        // Messages that crossed a socket, per call: proves where each kind of call went.
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name == "actoredge.messages.sent")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _messagesSent, value));
        listener.Start();

        var rows = new List<(string Name, int Concurrency, double CallsPerSecond, double BytesPerCall, double MessagesPerCall)>();
        foreach (var concurrency in concurrencies)
        {
            var raw = await MeasureAsync(stop => CallLoad.RunUntilAsync(client, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            var inSilo = await MeasureAsync(stop => CallLoad.RunUntilAsync(cluster.Local, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            var crossSilo = await MeasureAsync(stop => CallLoad.RunUntilAsync(cluster.Remote, concurrency, stop), warmup, seconds).ConfigureAwait(false);
            cluster.VerifyPlacement();
            rows.Add(("Raw socket", concurrency, raw.CallsPerSecond, raw.BytesPerCall, raw.MessagesPerCall));
            rows.Add(("In-silo call", concurrency, inSilo.CallsPerSecond, inSilo.BytesPerCall, inSilo.MessagesPerCall));
            rows.Add(("Cross-silo call", concurrency, crossSilo.CallsPerSecond, crossSilo.BytesPerCall, crossSilo.MessagesPerCall));
        }

        Console.WriteLine();
        Console.WriteLine("| Benchmark | Concurrency | Calls/s | Mean/call | Alloc/call | Silo messages/call | Ratio to raw |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var raw = rows.First(r => r.Concurrency == row.Concurrency && r.Name == "Raw socket").CallsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.Concurrency} | {row.CallsPerSecond:N0} | {1e6 / row.CallsPerSecond:0.00} µs | {row.BytesPerCall:N0} B | {row.MessagesPerCall:0.00} | {row.CallsPerSecond / raw:0.00} |"));
        }
        return 0;
    }

    private static long _messagesSent;

    private static async Task<(double CallsPerSecond, double BytesPerCall, double MessagesPerCall)> MeasureAsync(Func<StopFlag, Task<long>> run, double warmupSeconds, double seconds)
    {
        await TimedAsync(run, warmupSeconds).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var messagesBefore = Interlocked.Read(ref _messagesSent);
        var (calls, elapsed) = await TimedAsync(run, seconds).ConfigureAwait(false);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var messages = Interlocked.Read(ref _messagesSent) - messagesBefore;
        return (calls / elapsed.TotalSeconds, (double)allocated / calls, (double)messages / calls);
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
