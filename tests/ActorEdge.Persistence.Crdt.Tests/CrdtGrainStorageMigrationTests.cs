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
    public async Task Export_HandsOverTheSourceVersion_ImportWaitsUntilTheTargetHasIt_AndTheETagStaysValid()
    {
        await using var kit = await StartAsync(3);
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

        Assert.Equal(Storage(source).GetVersion("s", grain).ToBytes(), exported.ToArray());
        Assert.Equal($"{{{Replicator(source).ReplicaId}:1..2}}", CrdtVersion.FromBytes(exported.Span).ToString());
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
    public async Task Import_CatchesUpThroughAThirdSilo_WhenTheDirectLinkIsCut()
    {
        await using var kit = await StartAsync(3, storage: o => o.CatchUpTimeout = TimeSpan.FromSeconds(20));
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
        Assert.True(Storage(third).GetVersion("s", grain).Context.Includes(CrdtVersion.FromBytes(exported.Span).Context));
    }

    [Fact]
    public async Task Import_WithTheSourceCutOff_TimesOutAfterCatchUpTimeout_NamingWhatIsMissing()
    {
        await using var kit = await StartAsync(3, storage: o => o.CatchUpTimeout = TimeSpan.FromMilliseconds(400));
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
        Assert.True(CrdtVersion.FromBytes(exported.Span).Context.IsEmpty);
        await Migration(target).ImportAsync(move, exported, ct);
        await Migration(target).ImportAsync(move, ReadOnlyMemory<byte>.Empty, ct);

        await Assert.ThrowsAsync<SerializationException>(() => Migration(target).ImportAsync(move, new byte[] { 0x0C, 0x0B, 0xFF }, ct));
    }
}
