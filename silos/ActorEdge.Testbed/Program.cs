// The local multi-node edge demo: three silo processes on this machine, one per emulated edge
// node, clustered with development clustering (no external service), driven by a client.
// `-- thesis` and `-- thesis-sweep` run the migration benchmarks instead (Thesis/, docs/benchmarks-migration.md).
using System.Diagnostics;
using ActorEdge;
using ActorEdge.Client;
using ActorEdge.Hosting;
using ActorEdge.Samples;
using ActorEdge.Testbed;

if (ActorEdge.Testbed.Thesis.ThesisCommand.Handles(args))
{
    return await ActorEdge.Testbed.Thesis.ThesisCommand.RunAsync(args);
}

var options = DemoOptions.Parse(args);
var logDirectory = Path.Combine(Path.GetTempPath(), $"actoredge-demo-{Environment.ProcessId}");
Directory.CreateDirectory(logDirectory);
var clusterId = $"demo-{Guid.NewGuid():N}"[..13];

Console.WriteLine($"ActorEdge local edge demo: {options.Silos} silos, {options.Counters} counters, {options.Seconds} s of load per phase");
Console.WriteLine($"Silo logs: {logDirectory}");
Console.WriteLine();

var silos = new List<SiloProcess>();
try
{
    for (var i = 0; i < options.Silos; i++)
    {
        var silo = SiloProcess.Start($"edge-{i}", SiloProcess.FreePort(), i == 0 ? null : silos[0].Endpoint, clusterId, logDirectory);
        silos.Add(silo);
        await silo.WaitListeningAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine($"  started silo {silo.NodeName} on {silo.Endpoint}{(i == 0 ? " (development primary: membership, directory, storage)" : "")}");
    }

    var clientOptions = new ClientOptions { ClusterId = clusterId };
    foreach (var silo in silos)
    {
        clientOptions.Gateways.Add(silo.Endpoint);
    }
    await using var client = await ClusterClient.ConnectAsync(clientOptions);
    Console.WriteLine($"  client connected through the gateway of {client.Gateway}");
    var formed = Stopwatch.StartNew();
    while ((await client.GetActiveSilosAsync()).Count < options.Silos)
    {
        if (formed.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("The silos did not form a cluster within 30 s; see their logs.");
        }
        await Task.Delay(50);
    }
    Console.WriteLine($"  cluster formed: {options.Silos} active silos");
    Console.WriteLine();

    // 1. Activate counters and show where the cluster placed them.
    var counters = Enumerable.Range(0, options.Counters).Select(i => client.GetGrain<ICounterGrain>($"counter-{i}")).ToArray();
    await Task.WhenAll(counters.Select(c => c.Add(1)));
    var placement = await Locate(counters);
    PrintPlacement("Where the counters run", placement);

    // 2. Load: concurrent calls for a few seconds, calls/s per second.
    Console.WriteLine("Load: 64 concurrent callers calling Add(1) on the counters");
    var total = await Drive(counters, TimeSpan.FromSeconds(options.Seconds), 64);
    Console.WriteLine();

    // 3. Producer/consumer of 100 KB values, as in the thesis's experiments.
    var producer = client.GetGrain<IProducerGrain>("sensor-1");
    var consumer = client.GetGrain<IConsumerGrain>("dashboard-1");
    var value = new byte[100 * 1024];
    Random.Shared.NextBytes(value);
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < 50; i++)
    {
        await producer.Put($"key-{i:D3}", value);
    }
    var putSeconds = watch.Elapsed.TotalSeconds;
    watch.Restart();
    var consumed = await consumer.Consume("sensor-1");
    var getSeconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"Producer/consumer of 100 KB values: producer wrote 50 keys in {putSeconds * 1000:F0} ms ({50 / putSeconds:F0} keys/s),");
    Console.WriteLine($"  consumer read {consumed.KeysRead} keys ({consumed.BytesRead / 1024} KB) in {getSeconds * 1000:F0} ms ({consumed.KeysRead / getSeconds:F0} keys/s)");
    Console.WriteLine();

    // 4. Live migration with the Reactive strategy: a session keeps its state in a NodeLocal file on
    //    its node; migrating it moves the record file to the target node with it.
    if (silos.Count >= 2)
    {
        await MigrateSessions(client, silos[^1], silos[0], logDirectory);
    }

    // 5. Crash the busiest non-primary silo: its grains come back on the others with their state.
    var victim = silos.Skip(1).OrderByDescending(s => placement.Count(p => p.Value.NodeName == s.NodeName)).First();
    var before = await Task.WhenAll(counters.Select(c => c.Get()));
    Console.WriteLine($"Killing silo {victim.NodeName} (SIGKILL) while it hosts {placement.Count(p => p.Value.NodeName == victim.NodeName)} counters");
    victim.Kill();
    watch.Restart();
    // Calls in flight at the crash fail with SiloUnavailableException (nobody knows whether they ran);
    // the next call re-activates the grain elsewhere from storage. Get is idempotent, so retry it.
    var failedInFlight = 0;
    var recovered = await Task.WhenAll(counters.Select(async c =>
    {
        while (true)
        {
            try
            {
                return await c.Get();
            }
            catch (ActorEdge.SiloUnavailableException)
            {
                Interlocked.Increment(ref failedInFlight);
            }
        }
    }));
    Console.WriteLine($"  every counter answered again after {watch.ElapsedMilliseconds} ms ({failedInFlight} calls in flight failed with SiloUnavailableException)");
    var after = await Task.WhenAll(counters.Select(c => c.Add(1)));
    var moved = await Locate(counters);
    var lost = 0;
    for (var i = 0; i < counters.Length; i++)
    {
        if (recovered[i] != before[i] || after[i] != before[i] + 1)
        {
            lost++;
        }
        if (placement[i].NodeName == victim.NodeName)
        {
            Console.WriteLine($"  counter-{i}: {placement[i].NodeName} -> {moved[i].NodeName}, value {before[i]} -> {after[i]}");
        }
    }
    Console.WriteLine(lost == 0 ? "  no counter lost an acknowledged increment" : $"  {lost} counters lost increments!");
    Console.WriteLine();
    PrintPlacement("Where the counters run now", moved);
    Console.WriteLine($"Done: {total} calls under load. Stopping the silos.");
    return lost == 0 ? 0 : 1;
}
finally
{
    await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(10))));
    foreach (var silo in silos)
    {
        silo.Dispose();
    }
}

static async Task MigrateSessions(ClusterClient client, SiloProcess from, SiloProcess to, string logDirectory)
{
    var active = await client.GetActiveSilosAsync();
    SiloAddress AddressOf(SiloProcess silo) => active.First(a => a.Endpoint.Equals(silo.Endpoint));
    var sessions = Enumerable.Range(0, 6).Select(i => client.GetGrain<ISessionGrain>($"session-{i}")).ToArray();
    var payload = new string('x', 1024);
    // An explicit placement hint puts the sessions on the first node (edge placement honours it).
    RequestContext.Set(RequestContext.PlacementHintKey, AddressOf(from).ToString());
    try
    {
        foreach (var session in sessions)
        {
            for (var e = 0; e < 20; e++)
            {
                await session.Append(payload);
            }
        }
    }
    finally
    {
        RequestContext.Clear();
    }
    int RecordsOn(SiloProcess silo) => Directory.Exists(SiloProcess.NodeLocalRoot(logDirectory, silo.NodeName))
        ? Directory.EnumerateFiles(SiloProcess.NodeLocalRoot(logDirectory, silo.NodeName), "*.rec", SearchOption.AllDirectories).Count()
        : 0;
    Console.WriteLine($"Live migration (Reactive strategy, NodeLocal state): {sessions.Length} sessions of 20 KB on {from.NodeName}, record files: {from.NodeName} {RecordsOn(from)}, {to.NodeName} {RecordsOn(to)}");

    var management = client.GetGrain<ActorEdge.Management.IManagementGrain>(0);
    var times = new List<double>();
    foreach (var session in sessions)
    {
        var watch = Stopwatch.StartNew();
        await management.MigrateAsync(((ActorEdge.Invocation.GrainReference)session).GrainId, AddressOf(to));
        times.Add(watch.Elapsed.TotalMilliseconds);
    }
    var summaries = await Task.WhenAll(sessions.Select(s => s.Summary()));
    var places = await Task.WhenAll(sessions.Select(s => s.WhereAmI()));
    times.Sort();
    Console.WriteLine($"  migrated to {to.NodeName} one by one: median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms (request to hand-over done, from the client)");
    Console.WriteLine($"  sessions now on {string.Join(", ", places.Select(p => p.NodeName).Distinct())}; " +
        $"state intact: {summaries.Count(s => s.Events == 20 && s.Characters == 20 * 1024)}/{sessions.Length}; " +
        $"record files: {from.NodeName} {RecordsOn(from)}, {to.NodeName} {RecordsOn(to)}");
    Console.WriteLine();
}

static async Task<Dictionary<int, GrainLocation>> Locate(ICounterGrain[] counters)
{
    var locations = await Task.WhenAll(counters.Select(c => c.WhereAmI()));
    return locations.Select((location, i) => (location, i)).ToDictionary(x => x.i, x => x.location);
}

static void PrintPlacement(string title, Dictionary<int, GrainLocation> placement)
{
    Console.WriteLine(title);
    foreach (var group in placement.GroupBy(p => p.Value.NodeName).OrderBy(g => g.Key))
    {
        Console.WriteLine($"  {group.Key,-8} {group.Count(),3} counters: {string.Join(' ', group.Select(p => p.Key).Order())}");
    }
    Console.WriteLine();
}

static async Task<long> Drive(ICounterGrain[] counters, TimeSpan duration, int concurrency)
{
    long calls = 0;
    using var stop = new CancellationTokenSource(duration);
    var reporter = Task.Run(async () =>
    {
        var last = 0L;
        var second = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync())
        {
            var now = Interlocked.Read(ref calls);
            Console.WriteLine($"  second {++second}: {now - last,8:N0} calls/s");
            last = now;
            if (stop.IsCancellationRequested)
            {
                return;
            }
        }
    });
    var workers = Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var i = worker;
        while (!stop.IsCancellationRequested)
        {
            await counters[i++ % counters.Length].Add(1);
            Interlocked.Increment(ref calls);
        }
    });
    await Task.WhenAll(workers);
    await reporter;
    return calls;
}

internal sealed record DemoOptions(int Silos, int Counters, int Seconds)
{
    public static DemoOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
        }
        return new DemoOptions(Math.Max(2, Get("--silos", 3)), Math.Max(1, Get("--counters", 30)), Math.Max(1, Get("--seconds", 3)));
    }
}
