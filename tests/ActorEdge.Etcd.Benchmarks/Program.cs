using System.Diagnostics;
using System.Globalization;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;

// Our client against etcdctl on the same 3-member cluster: puts (1 KB, 100 KB; sequential and
// concurrent), gets (linearizable, serializable), through the leader's and a follower's endpoint.
// Usage: dotnet run -c Release --project tests/ActorEdge.Etcd.Benchmarks [-- <ops> <etcdctl ops>]
// Grain-state writes with and without batching: ... -- storage [<seconds per run>]
if (args.Length > 0 && args[0] == "storage")
{
    await StorageBenchmark.RunAsync(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3);
    return;
}
var ops = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
var ctlOps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
const int Concurrency = 16;

await using var cluster = await EtcdCluster.StartAsync(3);
var leader = await cluster.WaitForLeaderAsync();
var follower = cluster.Members.First(m => m != leader);
Console.WriteLine($"etcd 3-member cluster, leader {leader.ClientUrl}, follower {follower.ClientUrl}; {Environment.ProcessorCount} cores");
Console.WriteLine($"| operation | endpoint | ActorEdge client (ops/s) | etcdctl (ops/s) | ratio |");
Console.WriteLine($"|---|---|---:|---:|---:|");

foreach (var (name, member) in new[] { ("leader", leader), ("follower", follower) })
{
    await using var client = cluster.CreateClient(o => o.RouteToLeader = false, member);
    foreach (var size in new[] { 1024, 100 * 1024 })
    {
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        var text = new string('x', size);
        var label = size == 1024 ? "1 KB" : "100 KB";
        await client.PutAsync("bench/warm", value);

        var ours = await RateAsync(ops, 1, i => client.PutAsync($"bench/{name}/{label}/seq/{i}", value));
        var theirs = await RateAsync(ctlOps, 1, i => EtcdctlAsync(member, "put", $"bench/{name}/{label}/ctl/{i}", text));
        Report($"put {label} sequential", name, ours, theirs);

        ours = await RateAsync(ops * 4, Concurrency, i => client.PutAsync($"bench/{name}/{label}/conc/{i}", value));
        theirs = await RateAsync(ctlOps * 2, Concurrency, i => EtcdctlAsync(member, "put", $"bench/{name}/{label}/ctlc/{i}", text));
        Report($"put {label} concurrent ({Concurrency})", name, ours, theirs);

        ours = await RateAsync(ops, 1, i => client.GetAsync($"bench/{name}/{label}/seq/{i % ops}"));
        theirs = await RateAsync(ctlOps, 1, i => EtcdctlAsync(member, "get", $"bench/{name}/{label}/seq/{i}", "--consistency=l"));
        Report($"get {label} linearizable", name, ours, theirs);

        ours = await RateAsync(ops, 1, i => client.GetAsync($"bench/{name}/{label}/seq/{i % ops}", new EtcdGetOptions { Serializable = true }));
        theirs = await RateAsync(ctlOps, 1, i => EtcdctlAsync(member, "get", $"bench/{name}/{label}/seq/{i}", "--consistency=s"));
        Report($"get {label} serializable", name, ours, theirs);
    }
    await client.DeleteAsync("bench/", prefix: true);
    await client.CompactAsync((await client.StatusAsync(member.ClientUrl)).Revision, physical: true);
}

static void Report(string operation, string endpoint, double ours, double theirs) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {operation} | {endpoint} | {ours:0} | {theirs:0} | {ours / theirs:0.0} |"));

static async Task<double> RateAsync(int count, int concurrency, Func<int, Task> operation)
{
    var next = -1;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            await operation(i);
        }
    }));
    return count / watch.Elapsed.TotalSeconds;
}

static async Task EtcdctlAsync(EtcdMemberProcess member, params string[] arguments)
{
    var info = new ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    info.Environment["ETCDCTL_API"] = "3";
    info.ArgumentList.Add("--endpoints=" + member.ClientUrl.ToString().TrimEnd('/'));
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }
    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    await output;
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"etcdctl failed: {await error}");
    }
}
