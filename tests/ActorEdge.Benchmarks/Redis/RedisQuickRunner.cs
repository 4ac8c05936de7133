using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorEdge.Persistence.Redis;
using ActorEdge.Redis;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorEdge.Benchmarks.Redis;

/// <summary>
/// <c>-- redis</c>: our RESP client against <c>redis-benchmark</c> on the same redis-server (started
/// here on a free port), at equal concurrency and pipelining, for SET/GET of 100 B and 100 KB; then
/// grain-state writes per second through <see cref="RedisGrainStorage"/>. Prints a markdown table.
/// Options: <c>--clients 50</c>, <c>--pipeline 1,16</c>, <c>--port N</c> (use a running server).
/// </summary>
public static class RedisQuickRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = (int)ReadOption(args, "--clients", 50);
        var pipelines = ReadList(args, "--pipeline", [1, 16]);
        var port = (int)ReadOption(args, "--port", 0);
        using var server = port == 0 ? StartRedis(out port) : null;
        try
        {
            return await RunAgainstAsync(port, clients, pipelines).ConfigureAwait(false);
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill();
                await server.WaitForExitAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunAgainstAsync(int port, int clients, int[] pipelines)
    {
        Console.WriteLine($"Redis benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, redis-server on 127.0.0.1:{port}, {clients} clients");

        await using var connection = await RedisConnection.ConnectAsync(new RedisClientOptions { Host = "127.0.0.1", Port = port, CommandTimeout = TimeSpan.FromSeconds(60) }).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine("| Test | Value | Pipeline | redis-benchmark req/s | ActorEdge client req/s | Ratio | Alloc/req (ours) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var size in (int[])[100, 100 * 1024])
        {
            foreach (var pipeline in pipelines)
            {
                var requests = size <= 1024 ? (pipeline > 1 ? 1_000_000 : 200_000) : 4_000;
                var theirs = RunRedisBenchmark(port, clients, pipeline, size, requests);
                foreach (var test in (string[])["SET", "GET"])
                {
                    var (ours, allocated) = await RunOursAsync(connection, test, clients, pipeline, size, requests).ConfigureAwait(false);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {test} | {FormatSize(size)} | {pipeline} | {theirs[test]:N0} | {ours:N0} | {ours / theirs[test]:0.00} | {allocated:N0} B |"));
                }
            }
        }

        Console.WriteLine();
        await using var storage = new RedisGrainStorage("bench", "bench", new RedisStorageOptions { Host = "127.0.0.1", Port = port }, NullLogger<RedisGrainStorage>.Instance);
        foreach (var concurrency in (int[])[1, 50])
        {
            var writes = await RunGrainWritesAsync(storage, concurrency, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Grain-state writes (100 B state, {concurrency} grains writing concurrently): {writes:N0} writes/s"));
        }
        return 0;
    }

    private static async Task<(double PerSecond, double BytesPerRequest)> RunOursAsync(RedisConnection connection, string test, int clients, int pipeline, int size, int requests)
    {
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        await connection.ExecuteAsync("SET"u8, "key:__rand_int__", value).ConfigureAwait(false);
        // Warm up, then measure the same number of requests redis-benchmark sent.
        await LoadAsync(connection, test, clients, pipeline, value, Math.Min(requests, 20_000)).ConfigureAwait(false);
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        await LoadAsync(connection, test, clients, pipeline, value, requests).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return (requests / elapsed.TotalSeconds, (double)allocated / requests);
    }

    private static Task LoadAsync(RedisConnection connection, string test, int clients, int pipeline, byte[] value, int requests)
    {
        var perClient = requests / clients;
        var isSet = test == "SET";
        var workers = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            workers[c] = Task.Run(async () =>
            {
                var batch = new ValueTask<RedisReply>[pipeline];
                for (var sent = 0; sent < perClient; sent += pipeline)
                {
                    var count = Math.Min(pipeline, perClient - sent);
                    for (var i = 0; i < count; i++)
                    {
                        batch[i] = isSet ? connection.ExecuteAsync("SET"u8, "key:__rand_int__", value) : connection.ExecuteAsync("GET"u8, "key:__rand_int__");
                    }
                    for (var i = 0; i < count; i++)
                    {
                        await batch[i].ConfigureAwait(false);
                    }
                }
            });
        }
        return Task.WhenAll(workers);
    }

    private static async Task<double> RunGrainWritesAsync(RedisGrainStorage storage, int concurrency, TimeSpan duration)
    {
        long writes = 0;
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(g => Task.Run(async () =>
        {
            var grain = new GrainId("bench", $"{g}-{Guid.NewGuid():N}");
            var state = new GrainState<string>(new string('x', 100));
            while (stop.Elapsed < duration)
            {
                await storage.WriteStateAsync("state", grain, state).ConfigureAwait(false);
                Interlocked.Increment(ref writes);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return writes / stop.Elapsed.TotalSeconds;
    }

    private static Dictionary<string, double> RunRedisBenchmark(int port, int clients, int pipeline, int size, int requests)
    {
        var info = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture),
                     "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture),
                     "-d", size.ToString(CultureInfo.InvariantCulture), "-t", "set,get", "--csv"])
        {
            info.ArgumentList.Add(arg);
        }
        Console.Error.WriteLine($"redis-benchmark {string.Join(' ', info.ArgumentList)}");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var result = new Dictionary<string, double>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(',');
            if (fields.Length >= 2 && double.TryParse(fields[1].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var rps))
            {
                result[fields[0].Trim('"')] = rps;
            }
        }
        return result;
    }

    private static Process StartRedis(out int port)
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()])
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server");
        process.BeginOutputReadLine();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException("redis-server did not start.");
    }

    private static string FormatSize(int size) => size >= 1024 ? $"{size / 1024} KB" : $"{size} B";

    private static double ReadOption(string[] args, string name, double fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static int[] ReadList(string[] args, string name, int[] fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : fallback;
    }
}
