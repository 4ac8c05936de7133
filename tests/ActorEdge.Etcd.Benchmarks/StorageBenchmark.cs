using System.Diagnostics;
using System.Globalization;
using ActorEdge;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using ActorEdge.Persistence.Etcd;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// Grain-state writes through EtcdGrainStorage on a 3-member cluster: n grains each writing its
/// state in a loop (its next write waits for the previous, as an activation's would), with
/// batching off (MaxWritesPerTransaction = 1) and on (128). Reports writes/s and writes per Txn.
/// </summary>
internal static class StorageBenchmark
{
    public static async Task RunAsync(double seconds)
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Console.WriteLine($"etcd 3-member cluster, leader {leader.ClientUrl}; {Environment.ProcessorCount} cores; {seconds} s per run");
        Console.WriteLine("| state | grains writing | batching off (writes/s) | batching on (writes/s) | writes per Txn (on) | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (size, grains) in new[] { (1024, 1), (1024, 16), (1024, 64), (1024, 256), (100 * 1024, 16), (100 * 1024, 64) })
        {
            var off = await RunOnceAsync(cluster, size, grains, 1, seconds);
            var on = await RunOnceAsync(cluster, size, grains, 128, seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(size == 1024 ? "1 KB" : "100 KB")} | {grains} | {off.Rate:0} | {on.Rate:0} | {on.PerTxn:0.0} | {on.Rate / off.Rate:0.0} |"));
            await using var client = cluster.CreateClient();
            await client.DeleteAsync("bench-storage/", prefix: true);
            await client.CompactAsync((await client.StatusAsync(leader.ClientUrl)).Revision, physical: true);
        }
    }

    private static async Task<(double Rate, double PerTxn)> RunOnceAsync(EtcdCluster cluster, int size, int grains, int maxWrites, double seconds)
    {
        var options = new EtcdStorageOptions { CompactionInterval = null, MaxWritesPerTransaction = maxWrites };
        foreach (var url in cluster.ClientUrls)
        {
            options.Client.Endpoints.Add(url);
        }
        var prefix = $"bench-storage/{maxWrites}-{size}-{grains}";
        await using var storage = new EtcdGrainStorage("bench", prefix, options, new EtcdClient(options.Client), ownsClient: true, NullLogger.Instance, TimeProvider.System);
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        // Warm up: leader discovery, connections, first writes (create_revision == 0 compares).
        var states = Enumerable.Range(0, grains).Select(_ => new GrainState<byte[]>(value)).ToArray();
        await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("s", new GrainId("g", i.ToString(CultureInfo.InvariantCulture)), s)));
        var txnsBefore = storage.Batcher?.Transactions ?? 0;
        var writes = 0L;
        var watch = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(states.Select(async (s, i) =>
        {
            var grain = new GrainId("g", i.ToString(CultureInfo.InvariantCulture));
            while (watch.Elapsed < end)
            {
                await storage.WriteStateAsync("s", grain, s);
                Interlocked.Increment(ref writes);
            }
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        var txns = (storage.Batcher?.Transactions ?? 0) - txnsBefore;
        return (writes / elapsed, txns == 0 ? 1 : (double)writes / txns);
    }
}
