using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorEdge.Management;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Migration;

public sealed class LiveMigrationTests
{
    private static async Task<(TestCluster Cluster, CountingStorage Storage)> StartAsync(int silos, Action<TestClusterBuilder>? configure = null)
    {
        var storage = new CountingStorage(new MemoryGrainStorage("actoredge"));
        var cluster = await Clusters.StartAsync(silos, b =>
        {
            b.ConfigureSilos(s => s.Services.AddKeyedSingleton<IGrainStorage>("store", storage));
            configure?.Invoke(b);
        });
        return (cluster, storage);
    }

    /// <summary>Activates the grain on <paramref name="silo"/> through a placement hint.</summary>
    private static async Task<IMigrationGrain> ActivateOnAsync(IGrainFactory factory, string key, SiloHandle silo)
    {
        var grain = factory.GetGrain<IMigrationGrain>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, silo.Address.ToString());
        try
        {
            Assert.Equal(silo.Address.ToString(), await grain.Where());
        }
        finally
        {
            RequestContext.Clear();
        }
        return grain;
    }

    [Fact]
    public async Task MigrateOnIdle_CalledInsideACall_MigratesAfterTheCallCompletesWithItsState()
    {
        var (cluster, storage) = await StartAsync(2);
        await using var _ = cluster;
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, cluster.Silos[0]);
        Assert.Equal(1, await grain.Call("c", 1));
        await grain.SetMemo(7);
        var etag = await grain.Etag();

        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[1].Address.ToString());
        try
        {
            await grain.MigrateAfterThisCall();
        }
        finally
        {
            RequestContext.Clear();
        }

        // The next call waits for the migration and is answered by the new activation.
        Assert.Equal(cluster.Silos[1].Address.ToString(), await grain.Where());
        Assert.Equal(7, await grain.Memo());
        Assert.Equal(etag, await grain.Etag());
        Assert.Equal(2, await grain.Call("c", 2));
        Assert.Equal(new[] { 1, 2 }, await grain.Received("c"));
        var tracker = MigrationTracker.For(key);
        Assert.Equal(2, tracker.Activations);
        Assert.Equal(1, tracker.Rehydrations);
        Assert.Equal(1, tracker.MaxAlive);
        Assert.Equal(1, storage.Reads);
        Assert.False(cluster.Silos[0].HostsActivation(Clusters.IdOf(grain)));
        Assert.True(cluster.Silos[1].HostsActivation(Clusters.IdOf(grain)));
    }

    [Fact]
    public async Task MigrateOnIdle_ExplicitTarget_MovesThere()
    {
        var (cluster, _) = await StartAsync(3);
        await using var __ = cluster;
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, cluster.Silos[0]);
        await grain.MigrateTo(cluster.Silos[2].Address.ToString());
        Assert.Equal(cluster.Silos[2].Address.ToString(), await grain.Where());
        Assert.Equal(1, MigrationTracker.For(key).Rehydrations);
    }

    [Fact]
    public async Task MigrateAsync_FromASilo_MovesTheGrainAndReportsItsHost()
    {
        var (cluster, _) = await StartAsync(2);
        await using var __ = cluster;
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, cluster.Silos[0]);
        var id = Clusters.IdOf(grain);
        var management = cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0);

        Assert.False(await management.MigrateAsync(id, cluster.Silos[0].Address));
        Assert.True(await management.MigrateAsync(id, cluster.Silos[1].Address));
        Assert.Equal(cluster.Silos[1].Address, await management.GetHostingSiloAsync(id));
        Assert.Equal(cluster.Silos[1].Address.ToString(), await grain.Where());
        Assert.False(await management.MigrateAsync(new GrainId("migration", Clusters.NewKey()), cluster.Silos[1].Address));
    }

    [Fact]
    public async Task MigrateAsync_TargetSiloKilled_SourceDeactivatesCleanlyAndNothingIsLostOrDuplicated()
    {
        var (cluster, _) = await StartAsync(3);
        await using var __ = cluster;
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, cluster.Silos[0]);
        var id = Clusters.IdOf(grain);
        for (var i = 1; i <= 5; i++)
        {
            await grain.Call("c", i);
        }
        var target = cluster.Silos[1];
        await cluster.KillSiloAsync(target);

        // Either the target's death is not declared yet (the hand-over is attempted and fails), or
        // it is and the request is refused before anything moves. StorageMigrationTests kills a
        // target in the middle of its hand-over deterministically.
        var management = cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0);
        var failure = await Assert.ThrowsAsync<GrainException>(() => management.MigrateAsync(id, target.Address));
        var attempted = !failure.Message.Contains("not an active silo", StringComparison.Ordinal);
        Assert.True(!attempted || failure.Message.Contains("failed", StringComparison.Ordinal), failure.Message);

        // Requests keep working: the next one finds the grain, or activates it again from storage.
        Assert.Equal(6, await grain.Call("c", 6));
        Assert.Equal(6, await grain.Count());
        Assert.NotEqual(target.Address.ToString(), await grain.Where());
        var tracker = MigrationTracker.For(key);
        Assert.Equal(attempted ? 2 : 1, tracker.Activations);
        Assert.Equal(0, tracker.Rehydrations);
        Assert.Equal(1, tracker.MaxAlive);
        Assert.Equal(1, cluster.ActiveSilos.Count(s => s.HostsActivation(id)));
    }

    [Fact]
    public async Task MigrateAsync_SourceKilledRightAfterHandOver_TargetServesWithTheMigratedState()
    {
        var (cluster, storage) = await StartAsync(3);
        await using var __ = cluster;
        var key = Clusters.NewKey();
        var source = cluster.Silos[1];
        var target = cluster.Silos[2];
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, source);
        var id = Clusters.IdOf(grain);
        for (var i = 1; i <= 3; i++)
        {
            await grain.Call("c", i);
        }
        await grain.SetMemo(11);

        Assert.True(await cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0).MigrateAsync(id, target.Address));
        await cluster.KillSiloAsync(source);

        Assert.Equal(target.Address.ToString(), await grain.Where());
        Assert.Equal(11, await grain.Memo());
        Assert.Equal(4, await grain.Call("c", 4));
        Assert.Equal(new[] { 1, 2, 3, 4 }, await grain.Received("c"));
        var tracker = MigrationTracker.For(key);
        Assert.Equal(2, tracker.Activations);
        Assert.Equal(1, tracker.MaxInside);
        Assert.Equal(1, storage.Reads);
    }

    [Fact]
    public async Task MigrateAsync_OneMigration_RecordsEachComponentOnceAndCountsIt()
    {
        var (cluster, _) = await StartAsync(2);
        await using var __ = cluster;
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync(cluster.GrainFactory, key, cluster.Silos[0]);
        var components = new ConcurrentQueue<(string Component, double Ms)>();
        var outcomes = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name is "actoredge.migration.duration" or "actoredge.migrations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        // Only this test class migrates with the management trigger, and its tests run one at a time.
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            if (Tag(tags, "trigger") == "management" && Tag(tags, "grain.type") == "migration")
            {
                components.Enqueue((Tag(tags, "component")!, value));
            }
        });
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            if (Tag(tags, "trigger") == "management" && Tag(tags, "grain.type") == "migration")
            {
                outcomes.Enqueue(Tag(tags, "outcome")!);
            }
        });
        listener.Start();

        Assert.True(await cluster.Client.GetGrain<IManagementGrain>(0).MigrateAsync(Clusters.IdOf(grain), cluster.Silos[1].Address));
        await Wait.UntilAsync(() => components.Count == 6, "the target to record its activation");

        Assert.Equal(["activation", "decision", "dehydrate", "directory", "total", "transfer"], components.Select(c => c.Component).Order().ToArray());
        Assert.All(components, c => Assert.True(c.Ms >= 0, $"{c.Component} = {c.Ms}"));
        Assert.Equal(["migrated"], outcomes.ToArray());

        static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == name)
                {
                    return tag.Value as string;
                }
            }
            return null;
        }
    }
}
