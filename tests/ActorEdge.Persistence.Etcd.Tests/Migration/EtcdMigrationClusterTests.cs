using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using ActorEdge.Etcd.Testing;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Management;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>
/// Three silos (nodes node-0..node-2) migrating etcd-backed grains under load, with real etcd
/// processes. The guarantees are the shared strategy suite's (EtcdStrategyTests); these runs also
/// record the measured migration components and callers' disruption (test output), and cover the
/// background leader move.
/// </summary>
public sealed class EtcdMigrationClusterTests(ITestOutputHelper output)
{
    private const int Migrations = 200;
    private readonly string _prefix = $"svc-{Guid.NewGuid():N}";

    [Fact]
    public async Task MigrateAsync_Reactive200TimesUnderCallers_EveryCallOnceInOrderAndOnlyTheHostsEtcdHoldsTheRecord()
    {
        var etcds = new EtcdCluster[3];
        for (var i = 0; i < etcds.Length; i++)
        {
            etcds[i] = await EtcdCluster.StartAsync([$"node-{i}"]);
        }
        try
        {
            var cluster = await StartClusterAsync((silo, index) => silo.AddEtcdGrainStorage(StorageNames.Reactive, o =>
            {
                o.KeyPrefix = _prefix;
                o.Migration = EtcdMigrationMode.NodeLocal;
                o.CompactionInterval = null;
                o.Client.Endpoints.Add(etcds[index].ClientUrls[0]);
            }));
            await using var _ = cluster;
            using var components = new ComponentRecorder(nameof(EtcdReactiveGrain));

            var (grain, key, total) = await MigrateUnderLoadAsync<IEtcdReactiveGrain>(cluster);

            var host = cluster.Silos.Single(s => s.Address.ToString() == grain.Where().Result).Index;
            var recordKey = $"{_prefix}/{((GrainReference)grain).GrainId.Type}/{key}/s";
            var holders = new List<int>();
            for (var i = 0; i < etcds.Length; i++)
            {
                await using var client = etcds[i].CreateClient();
                var kv = await client.GetValueAsync(recordKey);
                if (kv is not null)
                {
                    holders.Add(i);
                    Assert.Equal(total, Serializer.Deserialize<EtcdCounterState>(kv.Value.Span).Value);
                }
            }
            Assert.Equal([host], holders);
            Assert.Equal(Migrations, components.Count("flush"));
            Assert.Equal(Migrations, components.Count("import"));
            output.WriteLine(components.Summary());
        }
        finally
        {
            foreach (var etcd in etcds)
            {
                await etcd.DisposeAsync();
            }
        }
    }

    // The awaited leader move (the default) runs in the shared suite (EtcdProactiveStrategyTests); this is the background one.
    [Fact]
    public async Task MigrateAsync_Proactive200TimesUnderCallersWithTheLeaderMovedInTheBackground_EveryCallOnceInOrderAndTheLeaderFollowsTheGrain()
    {
        const bool awaitLeaderMove = false;
        await using var etcd = await EtcdCluster.StartAsync(["node-0", "node-1", "node-2"]);
        var cluster = await StartClusterAsync((silo, index) => silo.AddEtcdGrainStorage(StorageNames.Proactive, o =>
        {
            o.KeyPrefix = _prefix;
            o.Migration = EtcdMigrationMode.Replicated;
            o.LeaderMoveCooldown = TimeSpan.Zero;
            o.AwaitLeaderMove = awaitLeaderMove;
            o.CompactionInterval = null;
            o.Client.Endpoints.Add(etcd[$"node-{index}"].ClientUrl);
            foreach (var member in etcd.Members.Where(m => m.Name != $"node-{index}"))
            {
                o.Client.Endpoints.Add(member.ClientUrl);
            }
        }));
        await using var _ = cluster;
        using var components = new ComponentRecorder(nameof(EtcdProactiveGrain));

        var (grain, key, total) = await MigrateUnderLoadAsync<IEtcdProactiveGrain>(cluster);

        var providers = cluster.Silos.Select(s => (EtcdReplicatedMigration)s.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive)).ToArray();
        if (!awaitLeaderMove)
        {
            // Moves started by different silos may land in any order: let them finish, then one more migration.
            await Task.WhenAll(providers.Select(p => p.PendingLeaderMove)).WaitAsync(TimeSpan.FromSeconds(30));
            var where = await grain.Where();
            var from = cluster.Silos.Single(s => s.Address.ToString() == where).Index;
            Assert.True(await cluster.Client.GetGrain<IManagementGrain>(0).MigrateAsync(((GrainReference)grain).GrainId, cluster.Silos[(from + 1) % 3].Address));
            await providers[from].PendingLeaderMove.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var host = cluster.Silos.Single(s => s.Address.ToString() == grain.Where().Result);
        Assert.Equal(host.NodeName, (await etcd.WaitForLeaderAsync()).Name);
        await using var client = etcd.CreateClient();
        var kv = await client.GetValueAsync($"{_prefix}/{((GrainReference)grain).GrainId.Type}/{key}/s");
        Assert.Equal(total, Serializer.Deserialize<EtcdCounterState>(kv!.Value.Span).Value);
        Assert.Equal(awaitLeaderMove ? Migrations : Migrations + 1, components.Count("leader-move"));
        Assert.Equal(awaitLeaderMove ? Migrations : Migrations + 1, components.Count("catch-up"));
        output.WriteLine(components.Summary());
    }

    private static async Task<TestCluster> StartClusterAsync(Action<ISiloBuilder, int> storage)
    {
        var builder = new TestClusterBuilder(3);
        builder.ConfigureSilos(storage);
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// Activates the grain on silo 0, then migrates it <see cref="Migrations"/> times round the silos
    /// while three callers (the client, silo 1, silo 2) send numbered calls; checks that every caller's
    /// calls ran once and in order, that no two turns overlapped, and that the count is the total.
    /// </summary>
    private static async Task<(T Grain, string Key, int Total)> MigrateUnderLoadAsync<T>(TestCluster cluster) where T : ISequencedGrain
    {
        var key = Guid.NewGuid().ToString("N");
        var grain = cluster.GrainFactory.GetGrain<T>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[0].Address.ToString());
        try
        {
            Assert.Equal(cluster.Silos[0].Address.ToString(), await grain.Where());
        }
        finally
        {
            RequestContext.Clear();
        }
        var id = ((GrainReference)(object)grain).GrainId;
        var callers = new (string Name, IGrainFactory Factory)[] { ("client", cluster.GrainFactory), ("silo-1", cluster.Silos[1].GrainFactory), ("silo-2", cluster.Silos[2].GrainFactory) };
        var acknowledged = new int[callers.Length];
        using var stop = new CancellationTokenSource();
        var calling = new Task[callers.Length];
        for (var c = 0; c < callers.Length; c++)
        {
            var index = c;
            calling[c] = Task.Run(async () =>
            {
                var target = callers[index].Factory.GetGrain<T>(key);
                for (var sequence = 1; !stop.IsCancellationRequested; sequence++)
                {
                    await target.Call(callers[index].Name, sequence);
                    acknowledged[index] = sequence;
                }
            });
        }
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var migrated = 0;
        var attempts = 0;
        await Task.Run(async () =>
        {
            while (migrated < Migrations)
            {
                if (await management.MigrateAsync(id, cluster.Silos[++attempts % 3].Address))
                {
                    migrated++;
                }
            }
        }).WaitAsync(TimeSpan.FromSeconds(150));
        stop.Cancel();
        await Task.WhenAll(calling).WaitAsync(TimeSpan.FromSeconds(30));

        var total = 0;
        for (var c = 0; c < callers.Length; c++)
        {
            Assert.Equal(Enumerable.Range(1, acknowledged[c]).ToArray(), await grain.Received(callers[c].Name));
            total += acknowledged[c];
        }
        Assert.True(total > 0);
        Assert.Equal(total, await grain.Count());
        Assert.Equal(1, SequenceLog.MaxInside(key));
        return (grain, key, total);
    }

    /// <summary>Records the migration components measured for one grain type.</summary>
    private sealed class ComponentRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _components = new(StringComparer.Ordinal);

        public ComponentRecorder(string grainClass)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "ActorEdge" && instrument.Name is "actoredge.migration.duration" or "actoredge.migration.disruption")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                string? type = null, component = instrument.Name == "actoredge.migration.disruption" ? "disruption (caller)" : null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "grain.type") { type = tag.Value as string; }
                    if (tag.Key == "component") { component = tag.Value as string; }
                }
                if (component is not null && type is not null && grainClass.StartsWith(type.Replace("-", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
                {
                    _components.GetOrAdd(component, _ => []).Add(value);
                }
                else if (component is not null)
                {
                    _components.GetOrAdd($"{type}:{component}", _ => []).Add(value);
                }
            });
            _listener.Start();
        }

        public int Count(string component) => _components.TryGetValue(component, out var values) ? values.Count : 0;

        public string Summary() => string.Join(Environment.NewLine, _components.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var sorted = p.Value.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{p.Key}: n={sorted.Length} median={sorted[sorted.Length / 2]:F2} ms p90={sorted[(int)(sorted.Length * 0.9)]:F2} ms mean={sorted.Average():F2} ms max={sorted[^1]:F2} ms");
        }));

        public void Dispose() => _listener.Dispose();
    }
}
