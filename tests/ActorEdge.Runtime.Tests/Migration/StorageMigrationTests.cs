using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorEdge.Hosting;
using ActorEdge.Management;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Migration;

/// <summary>The runtime's side of strategies whose storage takes part in migration (export, import, complete, fetch).</summary>
public sealed class StorageMigrationTests
{
    private static async Task<(TestCluster Cluster, NodeStores Stores)> StartAsync(int silos, Action<TestClusterBuilder>? configure = null)
    {
        var stores = new NodeStores();
        var cluster = await Clusters.StartAsync(silos, b =>
        {
            b.ConfigureSilos((s, index) => s.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Reactive, stores.For(index)));
            configure?.Invoke(b);
        });
        return (cluster, stores);
    }

    private static async Task<T> ActivateOnAsync<T>(IGrainFactory factory, string key, SiloHandle silo, Func<T, Task<string>> where) where T : IGrainWithStringKey
    {
        var grain = factory.GetGrain<T>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, silo.Address.ToString());
        try
        {
            Assert.Equal(silo.Address.ToString(), await where(grain));
        }
        finally
        {
            RequestContext.Clear();
        }
        return grain;
    }

    /// <summary>Activates a Reactive test grain on <paramref name="silo"/> and makes <paramref name="calls"/> numbered calls ("c", 1..calls).</summary>
    private static async Task<(string Key, IReactiveStrategyGrain Grain, GrainId Id)> ActivateReactiveAsync(TestCluster cluster, SiloHandle silo, int calls)
    {
        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync<IReactiveStrategyGrain>(cluster.GrainFactory, key, silo, g => g.Where());
        for (var i = 1; i <= calls; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }
        return (key, grain, Clusters.IdOf(grain));
    }

    /// <summary>Starts migrating <paramref name="id"/> to silo 1, whose import waits on the returned gate; returns once it waits.</summary>
    private static async Task<(TaskCompletionSource Gate, Task<bool> Migrating)> MigrateUntilTheImportWaitsAsync(TestCluster cluster, NodeStores stores, GrainId id)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stores.For(1).ImportGate = gate;
        var migrating = cluster.Client.GetGrain<IManagementGrain>(0).MigrateAsync(id, cluster.Silos[1].Address);
        await Wait.For(stores.For(1).ImportStarted.Task, "the target to start importing");
        return (gate, migrating);
    }

    /// <summary>Calls ("c", 5..7) sent while the hand-over to silo 1 waits: they follow it there; returns once all three wait at silo 1.</summary>
    private static async Task<Task<int>[]> FollowTheHandOverAsync(TestCluster cluster, IReactiveStrategyGrain grain, GrainId id)
    {
        var calls = Enumerable.Range(5, 3).Select(i => grain.Call("c", i)).ToArray();
        await Wait.UntilAsync(() => cluster.Silos[1].WaitingRequests(id) == 3, "the calls to reach the target");
        return calls;
    }

    private static int IndexOf(TestCluster cluster, string address) => cluster.Silos.ToList().FindIndex(s => s.Address.ToString() == address);

    [Fact]
    public async Task MigrateAsync_TargetRefusesTheImport_GrainStaysUsableAndTheSourceKeepsTheRecord()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 2);
        stores.For(1).FailImports = true;

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var error = await Assert.ThrowsAsync<GrainException>(() => management.MigrateAsync(id, cluster.Silos[1].Address));
        Assert.Contains("refuses imports", error.Message);
        Assert.Equal([0], stores.Holders(id));
        Assert.Equal(0, stores.Completes);

        // The grain was deactivated; its next call activates it again (wherever placement puts it)
        // with the stored count, fetched from silo 0 if it lands elsewhere.
        stores.For(1).FailImports = false;
        Assert.Equal(3, await grain.Call("c", 3));
        Assert.Equal([IndexOf(cluster, await grain.Where())], stores.Holders(id));
    }

    [Fact]
    public async Task MigrateAsync_Traced_SpansTheStepsAtTheSourceWithTheTargetsAcceptanceAsItsChild()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (_, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "ActorEdge" or "ActorEdge.Tests.Migration",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            // Grain calls are spans too (tagged with their grain): only the migration's are kept.
            ActivityStopped = a =>
            {
                if (a.GetTagItem("actoredge.grain") as string == id.ToString() && a.DisplayName.Contains("migrat", StringComparison.Ordinal))
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);

        // Asked from a traced call (through the management grain): the migration joins its trace.
        using var test = new ActivitySource("ActorEdge.Tests.Migration");
        ActivityTraceId asked;
        using (var caller = test.StartActivity("asks for the migration"))
        {
            asked = caller!.TraceId;
            Assert.True(await cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0).MigrateAsync(id, cluster.Silos[1].Address));
        }
        await Wait.UntilAsync(() => spans.Count == 2, "the migration's two spans to end");
        stores.For(0).FailImports = true;
        await Assert.ThrowsAsync<GrainException>(() => management.MigrateAsync(id, cluster.Silos[0].Address));
        await Wait.UntilAsync(() => spans.Count == 4, "the failed migration's two spans to end");

        var (migrated, failed) = (spans.Where(a => a.Kind == ActivityKind.Internal).ToList() is [var m, var f] ? (m, f) : throw new InvalidOperationException("two migration spans expected"));
        var (accepted, refused) = (spans.Where(a => a.Kind == ActivityKind.Server).ToList() is [var a1, var a2] ? (a1, a2) : throw new InvalidOperationException("two acceptance spans expected"));
        Assert.Equal(($"migrate {id.Type}", $"accept migration {id.Type}", ActivityStatusCode.Unset), (migrated.DisplayName, accepted.DisplayName, migrated.Status));
        Assert.Equal(
            (cluster.Silos[0].Address.ToString(), cluster.Silos[1].Address.ToString(), "management", "migrated"),
            (migrated.GetTagItem("actoredge.migration.source"), migrated.GetTagItem("actoredge.migration.target"), migrated.GetTagItem("actoredge.migration.trigger"), migrated.GetTagItem("actoredge.migration.outcome")));
        Assert.Equal(["idle", "dehydrated", "exported", "hand-over sent", "handed over"], migrated.Events.Select(e => e.Name));
        Assert.Equal(asked, migrated.TraceId);
        Assert.Equal((migrated.TraceId, migrated.SpanId, ActivityStatusCode.Unset), (accepted.TraceId, accepted.ParentSpanId, accepted.Status));
        Assert.Equal(cluster.Silos[0].Address.ToString(), accepted.GetTagItem("actoredge.migration.source"));
        Assert.IsType<double>(accepted.GetTagItem("actoredge.migration.import_ms"));

        Assert.Equal((ActivityStatusCode.Error, "failed"), (failed.Status, failed.GetTagItem("actoredge.migration.outcome")));
        Assert.Equal(["idle", "dehydrated", "exported", "hand-over sent"], failed.Events.Select(e => e.Name));
        Assert.Equal((failed.TraceId, failed.SpanId, ActivityStatusCode.Error), (refused.TraceId, refused.ParentSpanId, refused.Status));
        Assert.Contains("refuses imports", refused.StatusDescription);
        Assert.NotEqual(migrated.TraceId, failed.TraceId);
        stores.For(0).FailImports = false;
        Assert.Equal(2, await grain.Call("c", 2));
    }

    [Fact]
    public async Task MigrateAsync_TargetKilledInTheMiddleOfTheHandOver_SourceFallsBackAndTheRecordSurvives()
    {
        var (cluster, stores) = await StartAsync(3);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 4);
        var target = cluster.Silos[1];
        stores.For(1).ImportGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var management = cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0);
        var migrating = management.MigrateAsync(id, target.Address);
        await Wait.For(stores.For(1).ImportStarted.Task, "the target to start importing");
        await cluster.KillSiloAsync(target);

        var failure = await Assert.ThrowsAsync<GrainException>(() => migrating);
        Assert.Contains("failed", failure.Message);
        Assert.Equal([0], stores.Holders(id));
        Assert.Equal(0, stores.Completes);

        // The next call activates the grain again (on a live silo), with every acknowledged write.
        Assert.Equal(5, await grain.Call("c", 5));
        var host = IndexOf(cluster, await grain.Where());
        Assert.NotEqual(1, host);
        Assert.Equal([host], stores.Holders(id));
        var tracker = StrategyTracker.For(key);
        Assert.Equal(2, tracker.Activations);
        Assert.Equal(1, tracker.MaxAlive);
    }

    [Fact]
    public async Task MigrateAsync_TargetKilledWithRequestsThatFollowedTheHandOver_TheyRunOnceElsewhere()
    {
        var (cluster, stores) = await StartAsync(3);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 4);
        var (_, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);

        // The hand-over is on the wire: these follow it to the target, which holds them.
        var calls = await FollowTheHandOverAsync(cluster, grain, id);
        await cluster.KillSiloAsync(cluster.Silos[1]);

        await Assert.ThrowsAsync<GrainException>(() => migrating);
        // Each ran once, on the grain activated again from storage (sent together, they need not run in order).
        var answers = await Task.WhenAll(calls);
        Assert.Equal([5, 6, 7], answers.Order());
        var received = await grain.Received("c");
        Assert.Equal([5, 6, 7], received.Order());
        Assert.Equal(7, await grain.Count());
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task MigrateAsync_TargetRefusesAfterRequestsFollowedTheHandOver_EachRunsOnce()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 4);
        var (gate, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);
        var calls = await FollowTheHandOverAsync(cluster, grain, id);

        // Only the import in flight fails: the grain may activate on silo 1 again, which imports its record.
        stores.For(1).ImportGate = null;
        gate.SetException(new InvalidOperationException("the target's store fails"));

        var failure = await Assert.ThrowsAsync<GrainException>(() => migrating);
        Assert.Contains("the target's store fails", failure.Message);
        var answers = await Task.WhenAll(calls);
        Assert.Equal([5, 6, 7], answers.Order());
        Assert.Equal(7, await grain.Count());
        Assert.Equal([0], stores.Holders(id));
        Assert.Equal(2, StrategyTracker.For(key).Activations);
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task MigrateAsync_HandOverTimesOutWithRequestsThatFollowedIt_TheFenceWinsAndEachRunsOnce()
    {
        // The target lives but does not answer within the budget: the source's fence wins, so the
        // target can no longer register (it refuses once its import ends) and the source keeps them.
        var (cluster, stores) = await StartAsync(2, b => b.ConfigureSilos(s => s.Services.Configure<MigrationOptions>(o => o.HandOverTimeout = TimeSpan.FromSeconds(2))));
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 4);
        var (gate, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);
        var calls = await FollowTheHandOverAsync(cluster, grain, id);

        await Assert.ThrowsAsync<GrainException>(() => migrating);
        gate.SetResult();

        var answers = await Task.WhenAll(calls);
        Assert.Equal([5, 6, 7], answers.Order());
        Assert.Equal(7, await grain.Count());
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task Activation_DirectoryNamesAnActivationThisSiloDoesNotHave_ItIsReplaced()
    {
        // What a migration's fence leaves when it cannot be removed: an entry on a live silo naming
        // an activation that silo does not host.
        var (cluster, _) = await StartAsync(2);
        await using var _ = cluster;
        var key = Clusters.NewKey();
        var grain = cluster.GrainFactory.GetGrain<IReactiveStrategyGrain>(key);
        var id = Clusters.IdOf(grain);
        var directory = cluster.Silos[0].Services.GetRequiredService<IGrainDirectory>();
        var fence = new GrainAddress(id, cluster.Silos[0].Address, 12345);
        Assert.Equal(fence, await directory.RegisterAsync(fence, null));

        Assert.Equal(1, await cluster.Silos[1].GrainFactory.GetGrain<IReactiveStrategyGrain>(key).Call("c", 1));

        Assert.Equal(cluster.Silos[0].Address.ToString(), await grain.Where());
        var entry = await directory.LookupAsync(id);
        Assert.NotNull(entry);
        Assert.Equal(cluster.Silos[0].Address, entry.Silo);
        Assert.NotEqual(fence.ActivationId, entry.ActivationId);
    }

    [Fact]
    public async Task Activation_RecordOnTheSiloWhereTheGrainLastLived_IsFetchedAndRemovedThere()
    {
        var (cluster, stores) = await StartAsync(3);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 5);
        await grain.Deactivate();
        await Wait.UntilAsync(() => !cluster.Silos[0].HostsActivation(id), "the grain to deactivate");

        await ActivateOnAsync<IReactiveStrategyGrain>(cluster.GrainFactory, key, cluster.Silos[2], g => g.Where());
        Assert.Equal(6, await grain.Call("c", 6));
        Assert.Equal([2], stores.Holders(id));
        Assert.Equal(1, stores.For(0).Completes);
    }

    [Fact]
    public async Task Activation_ASiloThatMayHoldTheRecordFails_ActivationFailsRatherThanStartEmpty()
    {
        var (cluster, stores) = await StartAsync(3);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[1], calls: 1);
        await grain.Deactivate();
        await Wait.UntilAsync(() => !cluster.Silos[1].HostsActivation(id), "the grain to deactivate");
        stores.For(1).FailExports = true;

        // Through silo 2, whose cache has no entry: the hint places the new activation there.
        var moved = cluster.Silos[2].GrainFactory.GetGrain<IReactiveStrategyGrain>(key);
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[2].Address.ToString());
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => moved.Call("c", 2));
            Assert.Contains("did not answer", error.Message);
            Assert.Contains(cluster.Silos[1].Address.ToString(), error.Message);
        }
        finally
        {
            RequestContext.Clear();
        }
        Assert.Equal([1], stores.Holders(id));

        stores.For(1).FailExports = false;
        Assert.Equal(2, await moved.Call("c", 2));
    }

    [Fact]
    public async Task Strategy_DefaultStrategyOption_StatesWithoutStorageNameUseTheStrategysProvider()
    {
        var proactive = new NodeStores();
        var cluster = await Clusters.StartAsync(1, b => b.ConfigureSilos(s =>
        {
            s.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Proactive, proactive.For(0));
            s.Configure<MigrationOptions>(o => o.DefaultStrategy = MigrationStrategy.Proactive);
        }));
        await using var _ = cluster;
        var grain = cluster.GrainFactory.GetGrain<IDefaultStrategyGrain>(Clusters.NewKey());
        Assert.Equal(1, await grain.Increment());
        Assert.Equal([0], proactive.Holders(Clusters.IdOf(grain)));
    }

    [Fact]
    public async Task Strategy_NoProviderUnderTheStrategysName_ActivationFailsNamingIt()
    {
        var cluster = await Clusters.StartAsync(1);
        await using var _ = cluster;
        var grain = cluster.GrainFactory.GetGrain<IReactiveStrategyGrain>(Clusters.NewKey());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => grain.Call("c", 1));
        Assert.True(error.Message.Contains("Reactive migration strategy", StringComparison.Ordinal), error.ToString());
        Assert.Contains("StorageNames.Reactive", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MigrateAsync_ProviderPreparesTheTarget_GrainServesUntilPreparedThenMoves(bool preparationFails)
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stores.For(0).PrepareGate = gate;
        var exports = stores.Exports;

        var migrating = cluster.Client.GetGrain<IManagementGrain>(0).MigrateAsync(id, cluster.Silos[1].Address);
        await Wait.UntilAsync(() => !stores.For(0).Prepared.IsEmpty, "the source's store to prepare the target");
        // Preparing: the grain still serves on the source, and nothing has been exported yet.
        Assert.Equal(2, await grain.Call("c", 2));
        Assert.Equal(3, await grain.Call("c", 3));
        Assert.Equal(cluster.Silos[0].Address.ToString(), await grain.Where());
        Assert.Equal(exports, stores.Exports);
        Assert.False(migrating.IsCompleted);

        if (preparationFails)
        {
            gate.SetException(new InvalidOperationException("the target could not be prepared"));
        }
        else
        {
            gate.SetResult();
        }
        // A failed preparation costs latency only: the migration goes on either way.
        Assert.True(await migrating);
        Assert.Equal(new[] { cluster.Silos[1].Address }, stores.For(0).Prepared.ToArray());
        Assert.Equal(cluster.Silos[1].Address.ToString(), await grain.Where());
        Assert.Equal(4, await grain.Call("c", 4));
        Assert.Equal([1], stores.Holders(id));
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task MigrateAsync_GrainDeactivatesWhilePreparing_RequestEndsAtOnceEvenIfThePreparationIgnoresCancellation()
    {
        // A budget far beyond the wait bound: the request must end with the deactivation, not with the budget.
        var (cluster, stores) = await StartAsync(2, b => b.ConfigureSilos(s => s.Services.Configure<MigrationOptions>(o => o.HandOverTimeout = TimeSpan.FromMinutes(10))));
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stores.For(0).PrepareGate = gate;
        stores.For(0).PrepareIgnoresCancellation = true;
        var exports = stores.Exports;

        var migrating = cluster.Client.GetGrain<IManagementGrain>(0).MigrateAsync(id, cluster.Silos[1].Address);
        await Wait.UntilAsync(() => !stores.For(0).Prepared.IsEmpty, "the source's store to prepare the target");
        await grain.Deactivate();

        Assert.False(await Wait.For(migrating, "the migration request to end with the deactivation"));
        gate.SetException(new InvalidOperationException("the preparation ends late, and fails"));
        Assert.Equal(exports, stores.Exports);
        // Nothing moved: the next call activates the grain again (wherever placement puts it) with its state.
        Assert.Equal(2, await grain.Call("c", 2));
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task StopSiloAsync_DrainPreparedATargetThatLeavesMeanwhile_GrainMovesToAnotherSiloWithItsState()
    {
        var (cluster, stores) = await StartAsync(3);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stores.For(0).PrepareGate = gate;
        var (leaving, silos) = (cluster.Silos[0], cluster.Silos.ToArray());

        // The drain of silo 0 has placement choose a target, which its store prepares...
        var draining = cluster.StopSiloAsync(leaving);
        await Wait.UntilAsync(() => !stores.For(0).Prepared.IsEmpty, "the source's store to prepare the drain's target");
        var prepared = silos.Single(s => s.Address.Equals(stores.For(0).Prepared.Single()));
        var other = silos.Single(s => s != leaving && s != prepared);
        // ...and that target leaves before the hand-over.
        await cluster.StopSiloAsync(prepared);
        await Wait.UntilAsync(() => !leaving.ActiveMembers.Contains(prepared.Address), "the draining silo to see the prepared target gone");

        gate.SetResult();
        await Wait.For(draining, "the drain to end");
        // Placement chose again: the grain moved, with its state, instead of being dropped. (Called
        // from the silo left: the client's gateway may have been one of the two that stopped.)
        var moved = other.GrainFactory.GetGrain<IReactiveStrategyGrain>(key);
        Assert.Equal(other.Address.ToString(), await moved.Where());
        Assert.Equal(2, await moved.Call("c", 2));
        Assert.Equal(new[] { 1, 2 }, await moved.Received("c"));
        Assert.Equal([other.Index], stores.Holders(id));
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task StopSiloAsync_WhileAGrainRehydratesThereAndItsImportFails_DrainEndsAndTheGrainStaysWithItsState()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var (gate, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);
        // The target stops gracefully while the grain rehydrates there: its drain asks that activation to move on.
        var target = cluster.Silos[1];
        var stopping = cluster.StopSiloAsync(target);
        await Wait.UntilAsync(() => target.MigrationPending(id), "the drain to ask the rehydrating activation to migrate");

        // The import fails: the rehydration is cancelled, which ends the drain's request too.
        gate.SetException(new InvalidOperationException("the target's store refuses the record"));
        await Assert.ThrowsAsync<GrainException>(() => migrating);
        await Wait.For(stopping, "the target silo to finish stopping");
        // Called from a silo that stays: the client's gateway may have been the one that stopped.
        var stayed = cluster.Silos[0].GrainFactory.GetGrain<IReactiveStrategyGrain>(key);
        Assert.Equal(2, await stayed.Call("c", 2));
        Assert.Equal(cluster.Silos[0].Address.ToString(), await stayed.Where());
        Assert.Equal([0], stores.Holders(id));
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Fact]
    public async Task MigrateAsync_CallArrivingDuringTheHandOver_FollowsItToTheTargetAtOnceAndRunsThereOnce()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 1);
        var (gate, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);
        // The hand-over is unanswered (the target's import waits): the call goes on to the target
        // at once and waits in the new activation there, not at the source.
        var call = grain.Call("c", 2);
        await Wait.UntilAsync(() => cluster.Silos[1].WaitingRequests(id) == 1, "the call to wait in the target's activation");
        Assert.Equal(0, cluster.Silos[0].WaitingRequests(id));
        Assert.False(call.IsCompleted);

        gate.SetResult();
        Assert.True(await migrating);
        Assert.Equal(2, await call);
        Assert.Equal(cluster.Silos[1].Address.ToString(), await grain.Where());
        Assert.Equal(new[] { 1, 2 }, await grain.Received("c"));
        Assert.Equal(2, StrategyTracker.For(key).Activations);
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public async Task MigrateAsync_TargetRefusesAfterACallFollowedTheHandOver_TheCallRunsOnceWithTheState(int maxForwardCount)
    {
        // One forward allowed: the way back from the refusing target does not count, only the source's readdressing.
        var (cluster, stores) = await StartAsync(2, b => b.ConfigureSilos(s => s.Services.Configure<MessagingOptions>(o => o.MaxForwardCount = maxForwardCount)));
        await using var _ = cluster;
        var (key, grain, id) = await ActivateReactiveAsync(cluster, cluster.Silos[0], calls: 2);
        var (gate, migrating) = await MigrateUntilTheImportWaitsAsync(cluster, stores, id);
        var call = grain.Call("c", 3);
        await Wait.UntilAsync(() => cluster.Silos[1].WaitingRequests(id) == 1, "the call to wait in the target's activation");

        // The target refuses: the call it holds is readdressed through the directory (which still
        // names the source), waits there for the refusal, and then runs once, in order, with the state.
        stores.For(1).ImportGate = null;
        gate.SetException(new InvalidOperationException("the target's store refuses the record"));
        var failure = await Assert.ThrowsAsync<GrainException>(() => migrating);
        Assert.Contains("refuses the record", failure.Message);
        Assert.Equal(3, await call);
        Assert.Equal(4, await grain.Call("c", 4));
        // The grain was deactivated at the refusal and activated again for the call (what it
        // received is per activation): the refused target never ran it.
        Assert.Equal(new[] { 3, 4 }, await grain.Received("c"));
        Assert.Equal(2, StrategyTracker.For(key).Activations);
        Assert.Equal(1, StrategyTracker.For(key).MaxAlive);
        Assert.Equal(1, StrategyTracker.For(key).MaxInside);
        Assert.Single(stores.Holders(id));
    }

    [Fact]
    public async Task MigrateAsync_CallWaitingForTheMigration_CallerRecordsItsDisruptionWhatTheMigrationAddedAndTheStorageComponents()
    {
        var (cluster, stores) = await StartAsync(2);
        await using var _ = cluster;
        var disruptions = new ConcurrentBag<double>();
        var delays = new ConcurrentBag<double>();
        var components = new ConcurrentDictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name is "actoredge.migration.disruption" or "actoredge.migration.delay" or "actoredge.migration.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            string? type = null, component = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "grain.type") { type = tag.Value as string; }
                if (tag.Key == "component") { component = tag.Value as string; }
            }
            if (type != "disrupted")
            {
                return;
            }
            if (instrument.Name == "actoredge.migration.disruption")
            {
                disruptions.Add(value);
            }
            else if (instrument.Name == "actoredge.migration.delay")
            {
                delays.Add(value);
            }
            else
            {
                components.AddOrUpdate(component!, 1, (_, n) => n + 1);
            }
        });
        listener.Start();

        var key = Clusters.NewKey();
        var grain = await ActivateOnAsync<IDisruptedGrain>(cluster.GrainFactory, key, cluster.Silos[0], g => g.Where());
        var id = Clusters.IdOf(grain);
        Assert.Equal(1, await grain.Increment());
        Assert.Empty(disruptions);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stores.For(1).ImportGate = gate;
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var migrating = management.MigrateAsync(id, cluster.Silos[1].Address);
        await Wait.For(stores.For(1).ImportStarted.Task, "the import to start");
        // The source is migrating: this call waits, then is forwarded to the target, where its method runs for 200 ms.
        const int serviceMs = 200;
        var held = grain.IncrementAfter(serviceMs);
        var issued = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.Delay(100);
        Assert.False(held.IsCompleted);
        var heldFor = System.Diagnostics.Stopwatch.GetElapsedTime(issued).TotalMilliseconds;
        gate.SetResult();
        Assert.True(await migrating);
        Assert.Equal(2, await held);
        Assert.Equal(3, await grain.Increment());

        // The call was issued before `issued`, and its method started only after the gate opened:
        // its latency covers the hold and the method's run; what the migration added, only the hold.
        var disruption = Assert.Single(disruptions);
        var delay = Assert.Single(delays);
        Assert.True(disruption >= heldFor + serviceMs, $"the held call took {disruption} ms, less than the {heldFor} ms it was held plus its {serviceMs} ms method");
        Assert.True(delay >= heldFor, $"the migration added {delay} ms, less than the {heldFor} ms the call was held");
        Assert.True(disruption - delay >= serviceMs, $"the method ran {disruption - delay} ms by the response, less than the {serviceMs} ms it ran");
        Assert.Equal(1, components["flush"]);
        Assert.Equal(1, components["import"]);
        Assert.Equal(1, components["transfer"]);
    }
}
