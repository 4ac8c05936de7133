using System.Diagnostics;
using ActorEdge.Crdt;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>CrdtGrainStorage as an <see cref="IGrainStorageMigration"/> (Proactive), on real replicating silos.</summary>
public sealed class CrdtGrainStorageMigrationTests
{
    private static GrainId NewGrain() => new("crdt-migration", Guid.NewGuid().ToString("N"));

    private static IGrainStorageMigration Migration(SiloHandle silo) => (IGrainStorageMigration)Storage(silo);

    private static StateMigration Move(GrainId grain, SiloHandle source, SiloHandle target, string? etag) =>
        new(grain, "s", etag, source.Address, target.Address, null);

    [Fact]
    public async Task Provider_DeclaresThatOnlyComputeMoves_WithTheVersionAndCatchUpComponents()
    {
        await using var kit = await StartAsync(1);
        var migration = Migration(kit.Cluster.Silos[0]);

        Assert.False(migration.TransfersRecord);
        Assert.Equal("version", migration.ExportComponent);
        Assert.Equal("catch-up", migration.ImportComponent);
    }

    [Fact]
    public async Task Export_WaitsForTheKeysOwnUpdatesToBeDurable_NotForOtherKeysStillOnTheirWayToDisk()
    {
        await using var kit = await StartAsync(2, withJournal: _ => true);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var (grain, other) = (NewGrain(), NewGrain());
        var ct = TestContext.Current.CancellationToken;
        kit.Isolate(target);
        var state = new GrainState<Profile>(new Profile { Name = "moving", Visits = 1 });
        await Storage(source).WriteStateAsync("s", grain, state, ct);
        var disk = new TaskCompletionSource();
        Replicator(source).HoldJournal(disk.Task);
        try
        {

            // Another grain's write is applied but not durable: the hand-over of this one does not wait for it.
            var otherWrite = Storage(source).WriteStateAsync("s", other, new GrainState<Profile>(new Profile { Name = "other" }), ct);
            var exported = await Migration(source).ExportAsync(Move(grain, source, target, state.ETag), ct).WaitAsync(TimeSpan.FromSeconds(20), ct);

            Assert.False(otherWrite.IsCompleted);
            var handOver = CrdtGrainStorage.ReadHandOver(exported.Span);
            Assert.Equal($"{{{Replicator(source).ReplicaId}:1..1}}", handOver.Version.ToString());
            Assert.Equal("moving", Serializer.Deserialize<Profile>(CrdtSerializer.Deserialize<LwwRegister<byte[]>>(handOver.State).Value).Name);

            // A write of this grain that is not durable yet holds its hand-over back until it is.
            state.State = new Profile { Name = "moved", Visits = 2 };
            var ownWrite = Storage(source).WriteStateAsync("s", grain, state, ct);
            var heldExport = Migration(source).ExportAsync(Move(grain, source, target, null), ct);
            await Task.Delay(200, ct);
            Assert.False(heldExport.IsCompleted);

            disk.SetResult();
            await Task.WhenAll(otherWrite, ownWrite).WaitAsync(TimeSpan.FromSeconds(20), ct);
            var held = CrdtGrainStorage.ReadHandOver((await heldExport.WaitAsync(TimeSpan.FromSeconds(20), ct)).Span);
            Assert.Equal($"{{{Replicator(source).ReplicaId}:1..2}}", held.Version.ToString());
        }
        finally
        {
            // A held journal would hold the silo's shutdown too.
            disk.TrySetResult();
        }
    }

    [Fact]
    public async Task Export_AfterARefusedUpdateOfATypeThatDoesNotTrackChanges_StillWaitsForTheKeysUpdateOnItsWayToDisk()
    {
        // A refused update of such a type puts a copy of the entry back: it must keep what the key's last update was.
        await using var kit = await StartAsync(2, o => o.RegisterType<MaxValue>("test:max"), withJournal: _ => true);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        kit.Isolate(target);
        var state = State<MaxValue>(source, grain);
        await state.UpdateAsync((m, _) => m.Raise(1));
        var disk = new TaskCompletionSource();
        Replicator(source).HoldJournal(disk.Task);
        try
        {
            var pending = state.UpdateAsync((m, _) => m.Raise(2));
            await Assert.ThrowsAsync<InvalidOperationException>(() => state.UpdateAsync((m, _) =>
            {
                m.Raise(3);
                throw new InvalidOperationException("refused");
            }));

            var export = Replicator(source).ExportForHandOverAsync(((CrdtGrainStorage)Storage(source)).KeyOf("s", grain), target.Address, 1 << 20);
            await Task.Delay(200, ct);
            Assert.False(export.IsCompleted);

            disk.SetResult();
            await pending.WaitAsync(TimeSpan.FromSeconds(20), ct);
            var record = await export.WaitAsync(TimeSpan.FromSeconds(20), ct);
            Assert.Equal($"{{{Replicator(source).ReplicaId}:1..2}}", record.Version.ToString());
            Assert.Equal(2ul, CrdtSerializer.Deserialize<MaxValue>(record.State).Value);
        }
        finally
        {
            disk.TrySetResult();
        }
    }

    [Fact]
    public async Task Export_HandsOverTheSourceVersion_ImportWaitsUntilTheTargetHasIt_AndTheETagStaysValid()
    {
        // The hand-over carries no state here: the target must wait for replication.
        await using var kit = await StartAsync(3, storage: o => o.HandOverStateBytes = 0);
        var (source, target, third) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1], kit.Cluster.Silos[2]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        // The target hears nothing from the source or the third silo until the hand-over.
        kit.Isolate(target);
        var state = new GrainState<Profile>(new Profile { Name = "v1", Visits = 1 });
        await Storage(source).WriteStateAsync("s", grain, state, ct);
        await WaitUntilAsync(() => Storage(third).GetVersion("s", grain).Context.Includes(Storage(source).GetVersion("s", grain).Context), "the third silo has the first write");
        state.State = new Profile { Name = "v2", Visits = 2 };
        await Storage(source).WriteStateAsync("s", grain, state, ct);
        var move = Move(grain, source, target, state.ETag);

        var exported = await Migration(source).ExportAsync(move, ct);

        var handOver = CrdtGrainStorage.ReadHandOver(exported.Span);
        Assert.Equal(Storage(source).GetVersion("s", grain).ToString(), handOver.Version.ToString());
        Assert.Equal($"{{{Replicator(source).ReplicaId}:1..2}}", handOver.Version.ToString());
        Assert.Empty(handOver.State);
        var import = Migration(target).ImportAsync(move, exported, ct);
        await Task.Delay(200, ct);
        Assert.False(import.IsCompleted);
        Assert.True(Storage(target).GetVersion("s", grain).Context.IsEmpty);

        kit.HealAll();
        await import.WaitAsync(TimeSpan.FromSeconds(20), ct);

        // The in-memory state travelled with its ETag: the target accepts a write with it.
        Assert.Equal(Storage(source).GetVersion("s", grain).ToString(), Storage(target).GetVersion("s", grain).ToString());
        var read = new GrainState<Profile>(new Profile());
        await Storage(target).ReadStateAsync("s", grain, read, ct);
        Assert.Equal(("v2", 2, state.ETag), (read.State.Name, read.State.Visits, read.ETag));
        state.State = new Profile { Name = "v3", Visits = 3 };
        await Storage(target).WriteStateAsync("s", grain, state, ct);

        // Complete drops nothing: the source keeps its replica, which converges with the target's write.
        await Migration(source).CompleteAsync(move, ct);
        await WaitUntilAsync(() => Storage(source).GetVersion("s", grain).ToString() == Storage(target).GetVersion("s", grain).ToString(), "the source's replica gets the target's write");
        var atSource = new GrainState<Profile>(new Profile());
        await Storage(source).ReadStateAsync("s", grain, atSource, ct);
        Assert.Equal(("v3", 3, state.ETag), (atSource.State.Name, atSource.State.Visits, atSource.ETag));
    }

    [Fact]
    public async Task Import_TargetCutOffFromEveryone_JoinsTheStateTheHandOverCarries_AndNeedsNoReplication()
    {
        // A catch-up wait far below what replication could do through cut links: only the carried state can satisfy it.
        await using var kit = await StartAsync(3, storage: o => o.CatchUpTimeout = TimeSpan.FromMilliseconds(200));
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        kit.Isolate(target);
        var state = new GrainState<Profile>(new Profile { Name = "v1", Visits = 1 });
        await Storage(source).WriteStateAsync("s", grain, state, ct);
        state.State = new Profile { Name = "v2", Visits = 2 };
        await Storage(source).WriteStateAsync("s", grain, state, ct);
        var move = Move(grain, source, target, state.ETag);

        var exported = await Migration(source).ExportAsync(move, ct);
        await Migration(target).ImportAsync(move, exported, ct);

        Assert.Equal((1L, 0UL), (Replicator(source).Stats.HandOverStates, Replicator(target).DeliveredFrom(Replicator(source).ReplicaId)));
        Assert.Equal(Storage(source).GetVersion("s", grain).ToString(), Storage(target).GetVersion("s", grain).ToString());
        var read = new GrainState<Profile>(new Profile());
        await Storage(target).ReadStateAsync("s", grain, read, ct);
        Assert.Equal(("v2", 2, state.ETag), (read.State.Name, read.State.Visits, read.ETag));

        // The deltas delivered later are already included: they change nothing.
        kit.HealAll();
        await WaitUntilAsync(() => Replicator(target).DeliveredFrom(Replicator(source).ReplicaId) == Replicator(source).LocalSequence, "the source's deltas to reach the target");
        Assert.Equal(Storage(source).GetVersion("s", grain).ToString(), Storage(target).GetVersion("s", grain).ToString());
        state.State = new Profile { Name = "v3", Visits = 3 };
        await Storage(target).WriteStateAsync("s", grain, state, ct);
    }

    [Fact]
    public async Task Export_ToATargetThatAcknowledgedEveryUpdate_CarriesTheVersionOnly()
    {
        await using var kit = await StartAsync(2);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        await Storage(source).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "replicated" }), ct);
        var move = Move(grain, source, target, null);

        // Once the source has heard that the target delivered its updates, nothing but the version travels.
        await WaitUntilAsync(async () => CrdtGrainStorage.ReadHandOver((await Migration(source).ExportAsync(move, ct)).Span).State.Length == 0, "the source to learn the target has its updates");
        var handOver = CrdtGrainStorage.ReadHandOver((await Migration(source).ExportAsync(move, ct)).Span);

        Assert.Equal((0, Storage(source).GetVersion("s", grain).ToString()), (handOver.State.Length, handOver.Version.ToString()));
        await Migration(target).ImportAsync(move, await Migration(source).ExportAsync(move, ct), ct);
    }

    [Fact]
    public async Task Import_CatchesUpThroughAThirdSilo_WhenTheDirectLinkIsCut()
    {
        await using var kit = await StartAsync(3, storage: o => (o.CatchUpTimeout, o.HandOverStateBytes) = (TimeSpan.FromSeconds(20), 0));
        var (source, target, third) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1], kit.Cluster.Silos[2]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        // A bootstrap from the third silo after the updates would also hand over its delivered table.
        await WaitUntilAsync(() => kit.Cluster.Silos.All(s => Replicator(s).Bootstrapped), "every silo has bootstrapped");
        kit.Cut(source, target);
        var counter = State<PNCounter>(source, grain);
        for (var i = 0; i < 5; i++)
        {
            await counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 3));
        }
        var move = Move(grain, source, target, null);

        var exported = await Migration(source).ExportAsync(move, ct);
        await Migration(target).ImportAsync(move, exported, ct).WaitAsync(TimeSpan.FromSeconds(20), ct);

        Assert.Equal(15, State<PNCounter>(target, grain).Value.Value);
        // Nothing came over the cut link: the target got the state from the third silo's replica.
        Assert.Equal(0UL, Replicator(target).DeliveredFrom(Replicator(source).ReplicaId));
        Assert.True(Storage(third).GetVersion("s", grain).Context.Includes(CrdtGrainStorage.ReadHandOver(exported.Span).Version));
    }

    [Fact]
    public async Task Import_KeepsAskingThePeers_AndCatchesUpFromAThirdSiloThatGetsTheUpdatesLater()
    {
        await using var kit = await StartAsync(3, storage: o => (o.CatchUpTimeout, o.HandOverStateBytes) = (TimeSpan.FromSeconds(20), 0));
        var (source, target, third) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1], kit.Cluster.Silos[2]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        await kit.BootstrapThenPauseAntiEntropyAsync();
        kit.Cut(source, target);
        kit.Cut(source, third);
        var counter = State<PNCounter>(source, grain);
        for (var i = 0; i < 5; i++)
        {
            await counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 3));
        }
        var move = Move(grain, source, target, null);
        var exported = await Migration(source).ExportAsync(move, ct);
        var asked = Replicator(target).Stats.DigestBytesSent;

        // The target asks its peers while none has the updates...
        var import = Migration(target).ImportAsync(move, exported, ct);
        await WaitUntilAsync(() => Replicator(target).Stats.DigestBytesSent > asked, "the target to ask its peers");
        Assert.False(import.IsCompleted);
        // ...then the third silo gets them (the source's deltas), and the target, which asks again, takes them from it.
        kit.Heal(source, third);
        await import.WaitAsync(TimeSpan.FromSeconds(20), ct);

        Assert.Equal(15, State<PNCounter>(target, grain).Value.Value);
        Assert.Equal(0UL, Replicator(target).DeliveredFrom(Replicator(source).ReplicaId));
    }

    [Fact]
    public async Task Export_OfAStateLargerThanAQuarterOfAMessage_CarriesTheVersionOnly()
    {
        // A 256 KiB message limit: a 100 000-byte state is more than a quarter of it.
        await using var kit = await StartAsync(2, o => o.MaxBatchBytes = 200_000, messaging: o => o.MaxMessageSize = 256 * 1024);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        kit.Isolate(target);
        await Storage(source).WriteStateAsync("s", grain, new GrainState<byte[]>(new byte[100_000]), ct);
        await Storage(source).WriteStateAsync("small", grain, new GrainState<byte[]>(new byte[1_000]), ct);

        var large = CrdtGrainStorage.ReadHandOver((await Migration(source).ExportAsync(Move(grain, source, target, null), ct)).Span);
        var small = CrdtGrainStorage.ReadHandOver((await Migration(source).ExportAsync(new StateMigration(grain, "small", null, source.Address, target.Address, null), ct)).Span);

        Assert.Equal((0, Storage(source).GetVersion("s", grain).ToString()), (large.State.Length, large.Version.ToString()));
        Assert.InRange(small.State.Length, 1_000, 1_100);
        Assert.Equal(1L, Replicator(source).Stats.HandOverStates);
    }

    [Fact]
    public async Task Import_WithTheSourceCutOff_TimesOutAfterCatchUpTimeout_NamingWhatIsMissing()
    {
        await using var kit = await StartAsync(3, storage: o => (o.CatchUpTimeout, o.HandOverStateBytes) = (TimeSpan.FromMilliseconds(400), 0));
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        kit.Isolate(source);
        await Storage(source).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "only on the source" }), ct);
        var move = Move(grain, source, target, null);
        var exported = await Migration(source).ExportAsync(move, ct);

        var watch = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<CrdtCatchUpTimeoutException>(() => Migration(target).ImportAsync(move, exported, ct));
        watch.Stop();

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(390), TimeSpan.FromSeconds(10));
        Assert.Contains($"still misses 1 update(s) from replica {Replicator(source).ReplicaId}", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("within 00:00:00.4000000", timeout.Message, StringComparison.Ordinal);
        // The hand-over is refused: the source still holds the only copy, untouched.
        var read = new GrainState<Profile>(new Profile());
        await Storage(source).ReadStateAsync("s", grain, read, ct);
        Assert.Equal("only on the source", read.State.Name);
    }

    [Fact]
    public async Task Import_OfAnEmptyVersion_CompletesAtOnce_AndOfCorruptBytes_Throws()
    {
        await using var kit = await StartAsync(2);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var move = Move(grain, source, target, null);
        var ct = TestContext.Current.CancellationToken;

        var exported = await Migration(source).ExportAsync(move, ct);
        Assert.True(CrdtGrainStorage.ReadHandOver(exported.Span).Version.IsEmpty);
        await Migration(target).ImportAsync(move, exported, ct);
        await Migration(target).ImportAsync(move, ReadOnlyMemory<byte>.Empty, ct);

        await Assert.ThrowsAsync<SerializationException>(() => Migration(target).ImportAsync(move, new byte[] { 0x0C, 0x0B, 0xFF }, ct));
    }
}
