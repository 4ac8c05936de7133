using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>The instruments are process-wide: this collection runs alone, so every measurement comes from its own silos.</summary>
[CollectionDefinition(nameof(CrdtInstrumentsCollection), DisableParallelization = true)]
public sealed class CrdtInstrumentsCollection;

[Collection(nameof(CrdtInstrumentsCollection))]
public sealed class CrdtInstrumentsTests
{
    [Fact]
    public async Task Updates_AreMeasured_DeltaAndStateBytesPerUpdate_LagPerAppliedDelta_BytesSentPerBatch_GapsAndDroppedKeys()
    {
        var measurements = new ConcurrentQueue<(string Name, double Value, string? Kind)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name.StartsWith("actoredge.crdt.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, KindOf(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, KindOf(tags))));
        listener.Start();

        await using var kit = await StartAsync(2);
        var (s0, s1) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var (origin, peer) = (Replicator(s0), Replicator(s1));
        var grain = new GrainId("crdt-metrics", Guid.NewGuid().ToString("N"));
        // A bootstrap answered after the first update would deliver it without a delta (and without a lag measurement).
        await WaitUntilAsync(() => origin.Peers.Count == 1 && peer.Peers.Count == 1 && origin.Bootstrapped && peer.Bootstrapped, "the silos replicate with each other, bootstrapped");
        var sentBefore = origin.Stats.DeltaBytesSent;
        measurements.Clear();

        // 50 increments, one at a time: each leaves in a batch of its own.
        var expectedDelta = new List<double>();
        var expectedState = new List<double>();
        var model = new GCounter();
        for (var k = 1; k <= 50; k++)
        {
            await State<GCounter>(s0, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 1));
            expectedDelta.Add(CrdtSerializer.SerializeToArray(model.Increment(origin.ReplicaId, 1), origin.ReplicaId).Length);
            expectedState.Add(CrdtSerializer.SerializeToArray(model).Length);
            await WaitUntilAsync(() => peer.DeliveredFrom(origin.ReplicaId) == origin.LocalSequence, $"update {k} reaches the peer");
        }
        var snapshot = measurements.ToArray();

        Assert.Equal(expectedDelta, Values(snapshot, "actoredge.crdt.update.delta_bytes"));
        Assert.Equal(Enumerable.Repeat(7.0, 50), expectedDelta);
        Assert.Equal(expectedState, Values(snapshot, "actoredge.crdt.update.state_bytes"));
        var lag = Values(snapshot, "actoredge.crdt.replication.lag");
        Assert.True(lag.Count == 50, $"lag measurements {lag.Count}, full syncs {origin.Stats.FullSyncs}, gaps {peer.Stats.Gaps}, bootstrapped {peer.Stats.BootstrappedKeys}, delta batches {snapshot.Count(m => m.Name == "actoredge.crdt.replication.bytes_sent" && m.Kind == "delta")}");
        Assert.All(lag, ms => Assert.InRange(ms, 0, 10_000));
        var deltaBatches = snapshot.Where(m => m.Name == "actoredge.crdt.replication.bytes_sent" && m.Kind == "delta").Select(m => m.Value).ToList();
        Assert.Equal(50, deltaBatches.Count);
        Assert.Equal(origin.Stats.DeltaBytesSent - sentBefore, (long)deltaBatches.Sum());
        // No "full" assertion here: an anti-entropy round (every 200 ms in these tests) that compares
        // digests while a delta is in flight legitimately sends a full state, measured as kind "full".
        // The exact delta counts and bytes above show the updates themselves travelled as deltas.
        Assert.Empty(Values(snapshot, "actoredge.crdt.replication.gaps"));

        // A batch that skips ahead of what the peer has: one gap.
        var gapped = ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, "far-away-replica");
            ReplicationCodec.WriteUInt64(ref w, 2, 5);
            ReplicationCodec.WriteDelta(ref w, 3, new DeltaRecord(0, "crdt/metrics/k", "gcounter", 5, CrdtSerializer.SerializeToArray(new GCounter().Increment("far-away-replica", 1)), 0));
        });
        await peer.ReceiveDeltasAsync(gapped);
        Assert.Equal([1.0], Values(measurements.ToArray(), "actoredge.crdt.replication.gaps"));

        // A cleared state is dropped once on each silo.
        var state = new GrainState<Profile>(new Profile { Name = "short-lived" });
        await Storage(s0).WriteStateAsync("p", grain, state, TestContext.Current.CancellationToken);
        await Storage(s0).ClearStateAsync("p", grain, state, TestContext.Current.CancellationToken);
        var key = ((CrdtGrainStorage)Storage(s0)).KeyOf("p", grain);
        await WaitUntilAsync(() => origin.IsDropped(key) && peer.IsDropped(key), "both silos drop the cleared key");
        Assert.Equal([1.0, 1.0], Values(measurements.ToArray(), "actoredge.crdt.keys.dropped"));
    }

    private static List<double> Values((string Name, double Value, string? Kind)[] measurements, string name) =>
        measurements.Where(m => m.Name == name).Select(m => m.Value).ToList();

    private static string? KindOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "kind")
            {
                return tag.Value as string;
            }
        }
        return null;
    }
}
