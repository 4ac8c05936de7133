using System.Diagnostics.Metrics;
using ActorEdge.Hosting;
using ActorEdge.Management;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Persistence.Crdt.Tests.Migration;

/// <summary>
/// The Proactive strategy on CRDT replicas: [MigrationStrategy(Proactive)] grains with
/// [PersistentState("state")] (no storage name) use the CRDT provider registered as "Proactive".
/// Only compute moves; the target waits until its replica has the source's version ("catch-up").
/// </summary>
public sealed class CrdtProactiveStrategyTests : MigrationStrategyTestsBase
{
    private TimeSpan _catchUpTimeout = TimeSpan.FromSeconds(10);
    private int _handOverStateBytes = new CrdtStorageOptions().HandOverStateBytes;

    protected override MigrationStrategy Strategy => MigrationStrategy.Proactive;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) => silo
        .AddCrdtGrainStorage(StorageNames.Proactive, (CrdtStorageOptions o) => (o.CatchUpTimeout, o.HandOverStateBytes) = (_catchUpTimeout, _handOverStateBytes))
        .ConfigureCrdtReplication(o =>
        {
            o.SendInterval = TimeSpan.FromMilliseconds(20);
            o.AntiEntropyInterval = TimeSpan.FromMilliseconds(200);
        });

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        // The state lives on every silo: each replica converges to the host's, with the exact count.
        var storages = cluster.ActiveSilos.Select(s => (ICrdtGrainStorage)s.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive)).ToList();
        var host = (ICrdtGrainStorage)cluster.Silos[hostIndex].Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive);
        var hostVersion = host.GetVersion("state", grainId).ToString();
        await CrdtClusterKit.WaitUntilAsync(() => storages.All(s => s.GetVersion("state", grainId).ToString() == hostVersion), "every replica has the host's version");
        foreach (var storage in storages)
        {
            var read = new GrainState<StrategyState>(new StrategyState());
            await storage.ReadStateAsync("state", grainId, read, TestContext.Current.CancellationToken);
            Assert.Equal(count, read.State.Count);
        }
    }

    [Fact]
    public async Task Migrate_TargetReplicaCannotCatchUp_IsRefusedAfterCatchUpTimeout_AndNothingIsLost()
    {
        // The hand-over carries no state: the target can only catch up through replication, which is cut.
        (_catchUpTimeout, _handOverStateBytes) = (TimeSpan.FromMilliseconds(500), 0);
        await using var cluster = await StartClusterAsync();
        var (first, host) = (cluster.Silos[0], cluster.Silos[1]);
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, first);
        var id = IdOf(grain);
        var measured = new List<string>();
        using var listener = ListenToMigrationComponents(measured);
        Assert.Equal(1, await grain.Call("c", 1));
        Assert.True(await cluster.Silos[2].GrainFactory.GetGrain<IManagementGrain>(0).MigrateAsync(id, host.Address));
        Assert.Equal(host.Address.ToString(), await grain.Where());
        lock (measured)
        {
            // One migration: the source exported the version ("version"), the target caught up ("catch-up").
            Assert.Equal(["catch-up", "version"], measured.Where(c => c is "catch-up" or "version").Order(StringComparer.Ordinal));
        }

        // The host writes while its replica is cut off from every other silo.
        foreach (var silo in cluster.Silos)
        {
            var self = silo.Address;
            Replicator(silo).LinkFilter = peer => self != host.Address && peer != host.Address;
        }
        Assert.Equal(2, await grain.Call("c", 2));
        Assert.Equal(3, await grain.Call("c", 3));

        // The target's replica cannot catch up: the import times out and the hand-over is refused.
        var refused = await Assert.ThrowsAsync<GrainException>(() => cluster.Silos[2].GrainFactory.GetGrain<IManagementGrain>(0).MigrateAsync(id, first.Address));

        Assert.Contains("did not catch up", refused.ToString(), StringComparison.Ordinal);
        Assert.False(first.HostsActivation(id));
        var written = new GrainState<StrategyState>(new StrategyState());
        await Storage(host).ReadStateAsync("state", id, written, TestContext.Current.CancellationToken);
        Assert.Equal(3, written.State.Count);
        Assert.Equal(1, (await ReadAsync(first, id)).Count); // what it had before the cut

        // Healed, every replica gets the writes, and the grain goes on from them wherever it activates.
        foreach (var silo in cluster.Silos)
        {
            Replicator(silo).LinkFilter = null;
        }
        var version = Storage(host).GetVersion("state", id).ToString();
        await CrdtClusterKit.WaitUntilAsync(() => cluster.Silos.All(s => Storage(s).GetVersion("state", id).ToString() == version), "the replicas converge after the heal");
        Assert.Equal(4, await grain.Call("c", 4));
    }

    private static async Task<StrategyState> ReadAsync(SiloHandle silo, GrainId id)
    {
        var read = new GrainState<StrategyState>(new StrategyState());
        await Storage(silo).ReadStateAsync("state", id, read, TestContext.Current.CancellationToken);
        return read.State;
    }

    private static ICrdtGrainStorage Storage(SiloHandle silo) => (ICrdtGrainStorage)silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive);

    private static CrdtReplicator Replicator(SiloHandle silo) => silo.Services.GetRequiredService<CrdtReplicator>();

    private static MeterListener ListenToMigrationComponents(List<string> measured)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "ActorEdge" && instrument.Name == "actoredge.migration.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? component = null, grainType = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "component")
                {
                    component = tag.Value as string;
                }
                else if (tag.Key == "grain.type")
                {
                    grainType = tag.Value as string;
                }
            }
            if (component is not null && grainType is not null && grainType.Contains("proactive", StringComparison.OrdinalIgnoreCase))
            {
                lock (measured)
                {
                    measured.Add(component);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
