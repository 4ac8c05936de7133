using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>Replication stays within the transport's maximum message size (a larger frame makes the peer close the connection).</summary>
public sealed class CrdtReplicationLimitsTests
{
    /// <summary>A lowered transport limit: 256 KiB frames leave 240 KiB of payload, so two 100 000-byte states fit in one message and three do not.</summary>
    private const int MaxMessageSize = 256 * 1024;

    private static GrainId NewGrain() => new("crdt-test", Guid.NewGuid().ToString("N"));

    private static void SmallMessages(MessagingOptions o) => o.MaxMessageSize = MaxMessageSize;

    private static void SmallBatches(CrdtReplicationOptions o) => o.MaxBatchBytes = 200_000;

    private static byte[] Value(int seed, int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)seed);
        return bytes;
    }

    private static async Task<byte[]?> ReadAsync(SiloHandle silo, GrainId grain)
    {
        var state = new GrainState<byte[]>([]);
        await Storage(silo).ReadStateAsync("s", grain, state, TestContext.Current.CancellationToken);
        return state.RecordExists ? state.State : null;
    }

    [Fact]
    public async Task AntiEntropy_DigestLargerThanOneMessage_IsSentInPagesOfKeyRanges_AndRepairsEveryKey()
    {
        await using var kit = await StartAsync(2, SmallBatches, messaging: SmallMessages);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        await kit.BootstrapThenPauseAntiEntropyAsync();
        Replicator(writer).DeltaLinksPaused = true;
        // 6 000 keys: a digest entry is about 80 bytes, so the writer's digest is about twice a message.
        var grains = Enumerable.Range(0, 6_000).Select(_ => NewGrain()).ToArray();
        foreach (var grain in grains)
        {
            await State<GCounter>(writer, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId));
        }
        Assert.All(grains.Take(10), g => Assert.Equal(0ul, State<GCounter>(reader, g).Value.Value));

        // Only the writer's anti-entropy runs: the reader learns the keys from its digest pages alone.
        Replicator(writer).AntiEntropyPaused = false;
        await WaitUntilAsync(() => grains.All(g => State<GCounter>(reader, g).Value.Value == 1), "the reader to have every key");

        Assert.All(grains, g => Assert.Equal(Storage(writer).GetVersion("s", g).ToString(), Storage(reader).GetVersion("s", g).ToString()));
        Assert.Equal(0, Replicator(writer).Stats.SendFailures);
    }

    [Fact]
    public void Validate_MaxBatchBytesThatCannotFitInOneMessage_FailsNamingTheLimit()
    {
        var validator = new CrdtReplicationOptionsValidator(Options.Create(new MessagingOptions { MaxMessageSize = 1024 * 1024 }));

        var tooLarge = validator.Validate(null, new CrdtReplicationOptions { MaxBatchBytes = 1024 * 1024 });
        var largest = validator.Validate(null, new CrdtReplicationOptions { MaxBatchBytes = (1024 * 1024) - CrdtReplicationOptions.TransportHeadroomBytes });

        Assert.True(tooLarge.Failed);
        Assert.Equal(
            "CrdtReplicationOptions.MaxBatchBytes (1048576 bytes) must be at most 1032192 bytes: MessagingOptions.MaxMessageSize (1048576) minus 16384 bytes of headroom for the message frame; a larger batch would not fit in one message and the peer would close the connection.",
            Assert.Single(tooLarge.Failures!));
        Assert.True(largest.Succeeded);
        Assert.True(new CrdtReplicationOptionsValidator(Options.Create(new MessagingOptions())).Validate(null, new CrdtReplicationOptions()).Succeeded);
    }

    [Fact]
    public void Validate_MaxBatchBytesNearIntMaxValue_IsRefusedWhenTheSiloReadsItsOptions()
    {
        var services = new ServiceCollection();
        services.AddOptions<MessagingOptions>();
        services.ConfigureCrdtReplication(o => o.MaxBatchBytes = int.MaxValue);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CrdtReplicationOptions>>().Value);

        Assert.Equal(
            "CrdtReplicationOptions.MaxBatchBytes (2147483647 bytes) must be at most 16760832 bytes: MessagingOptions.MaxMessageSize (16777216) minus 16384 bytes of headroom for the message frame; a larger batch would not fit in one message and the peer would close the connection.",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task FullSync_LargerThanOneMessage_IsSentAsPagesOfWholeStates_AndArrivesWhole()
    {
        // A one-entry delta log: a peer behind by more than one delta gets the full state.
        await using var kit = await StartAsync(2, o => { SmallBatches(o); o.DeltaLogCapacity = 1; }, messaging: SmallMessages);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        await kit.BootstrapThenPauseAntiEntropyAsync();
        Replicator(writer).DeltaLinksPaused = true;
        var grains = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToArray();
        for (var i = 0; i < grains.Length; i++)
        {
            await Storage(writer).WriteStateAsync("s", grains[i], new GrainState<byte[]>(Value(i, 100_000)), TestContext.Current.CancellationToken);
        }
        var stats = Replicator(writer).Stats;
        var (requests, failures, batches) = (stats.FullSyncRequests, stats.SendFailures, stats.DeltaBatchesSent);

        Replicator(writer).DeltaLinksPaused = false;

        await WaitUntilAsync(
            () => Replicator(reader).DeliveredFrom(Replicator(writer).ReplicaId) == Replicator(writer).LocalSequence,
            "the reader to have the writer delivered up to its last update");
        // 10 states of about 100 000 bytes, two to a message: five requests, and none failed (no connection was dropped).
        Assert.Equal(5, stats.FullSyncRequests - requests);
        Assert.Equal(0, stats.SendFailures - failures);
        Assert.Equal(batches, stats.DeltaBatchesSent);
        for (var i = 0; i < grains.Length; i++)
        {
            Assert.Equal(Value(i, 100_000), await ReadAsync(reader, grains[i]));
            Assert.Equal(Storage(writer).GetVersion("s", grains[i]).ToString(), Storage(reader).GetVersion("s", grains[i]).ToString());
        }
    }

    [Fact]
    public async Task FullSyncPage_WithoutItsSequence_IsMerged_ButMarksNothingDeliveredUntilTheLastPage()
    {
        await using var kit = await StartAsync(1);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var ct = TestContext.Current.CancellationToken;
        byte[] Page(string key, ulong? upTo) => ReplicationCodec.Encode((ref Writer w) =>
        {
            var counter = GCounter.CreateEmpty();
            counter.Increment("origin-x", 3);
            var version = new CausalContext();
            version.Add(new Dot("origin-x", 1));
            ReplicationCodec.WriteString(ref w, 1, "origin-x");
            ReplicationCodec.WriteState(ref w, 2, new StateRecord(key, "gcounter", version, CrdtSerializer.SerializeToArray(counter)));
            if (upTo is { } sequence)
            {
                ReplicationCodec.WriteUInt64(ref w, 3, sequence);
            }
        });

        await replicator.HandleAsync(null, ReplicationCodec.MethodFullSync, Page("k1", null), ct);

        Assert.Equal(0ul, replicator.DeliveredFrom("origin-x"));
        Assert.True(replicator.TryRead<GCounter>("k1", out var first, out _));
        Assert.Equal(3ul, first.Value);

        await replicator.HandleAsync(null, ReplicationCodec.MethodFullSync, Page("k2", 7), ct);

        Assert.Equal(7ul, replicator.DeliveredFrom("origin-x"));
        Assert.True(replicator.TryRead<GCounter>("k2", out var last, out _));
        Assert.Equal(3ul, last.Value);
    }

    [Fact]
    public async Task Bootstrap_LargerThanOneMessage_IsTakenInPages_AndDeltasContinueFromIt()
    {
        await using var kit = await StartAsync(1, SmallBatches, messaging: SmallMessages);
        var source = kit.Cluster.Silos[0];
        var grains = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToArray();
        for (var i = 0; i < grains.Length; i++)
        {
            await Storage(source).WriteStateAsync("s", grains[i], new GrainState<byte[]>(Value(i, 100_000)), TestContext.Current.CancellationToken);
        }

        var joiner = await kit.StartSiloAsync();

        await WaitUntilAsync(() => Replicator(joiner).Stats.BootstrappedKeys == 10, "the new silo bootstraps ten keys");
        // Two states to a message: five pages.
        Assert.Equal(5, Replicator(joiner).Stats.BootstrapRequests);
        Assert.Equal(Replicator(source).LocalSequence, Replicator(joiner).DeliveredFrom(Replicator(source).ReplicaId));
        for (var i = 0; i < grains.Length; i++)
        {
            Assert.Equal(Value(i, 100_000), await ReadAsync(joiner, grains[i]));
        }
        var update = new GrainState<byte[]>([]);
        await Storage(source).ReadStateAsync("s", grains[0], update, TestContext.Current.CancellationToken);
        update.State = Value(42, 10);
        await Storage(source).WriteStateAsync("s", grains[0], update, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Replicator(joiner).DeliveredFrom(Replicator(source).ReplicaId) == 11, "the next delta reaches the new silo");
        Assert.Equal(Value(42, 10), await ReadAsync(joiner, grains[0]));
        Assert.Equal(0, Replicator(source).Stats.SendFailures);
    }

    [Fact]
    public async Task WriteState_OfAValueLargerThanOneMessage_IsRefusedClearly_AndChangesNothing()
    {
        await using var kit = await StartAsync(2, SmallBatches, messaging: SmallMessages);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var ct = TestContext.Current.CancellationToken;
        var grain = NewGrain();
        var state = new GrainState<byte[]>(Value(1, 1_000));
        await Storage(writer).WriteStateAsync("s", grain, state, ct);
        await WaitUntilAsync(() => Replicator(reader).DeliveredFrom(Replicator(writer).ReplicaId) == 1, "the first write reaches the reader");
        var (etag, version) = (state.ETag, Storage(writer).GetVersion("s", grain).ToString());

        state.State = Value(2, 300_000);
        var refused = await Assert.ThrowsAsync<CrdtStorageException>(() => Storage(writer).WriteStateAsync("s", grain, state, ct));
        var fresh = NewGrain();
        await Assert.ThrowsAsync<CrdtStorageException>(() => Storage(writer).WriteStateAsync("s", fresh, new GrainState<byte[]>(Value(3, 300_000)), ct));

        Assert.StartsWith("The update of 'crdt/", refused.Message, StringComparison.Ordinal);
        Assert.Contains("was refused: its delta is ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The state is unchanged", refused.Message, StringComparison.Ordinal);
        Assert.Equal(etag, state.ETag);
        Assert.Equal(1ul, Replicator(writer).LocalSequence);
        Assert.Equal(version, Storage(writer).GetVersion("s", grain).ToString());
        Assert.Equal(Value(1, 1_000), await ReadAsync(writer, grain));
        Assert.True(Storage(writer).GetVersion("s", fresh).Context.IsEmpty);
        Assert.Null(await ReadAsync(writer, fresh));

        // Nothing half-done: the old ETag still matches, and the next write replicates as the second update.
        state.State = Value(4, 1_000);
        await Storage(writer).WriteStateAsync("s", grain, state, ct);
        await WaitUntilAsync(() => Replicator(reader).DeliveredFrom(Replicator(writer).ReplicaId) == 2, "the next write reaches the reader");
        Assert.Equal(Value(4, 1_000), await ReadAsync(reader, grain));
        Assert.Equal(0, Replicator(writer).Stats.SendFailures);
        Assert.Equal(0, Replicator(reader).Stats.SendFailures);
    }
}
