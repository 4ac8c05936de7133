using System.Buffers.Binary;
using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>
/// A delta followed in the same batch by a whole-state delta of its key (a grain state written again)
/// travels as its dot alone: the receiver ends with the same value and version, from one value's bytes.
/// </summary>
public sealed class CrdtDotOnlyDeltaTests
{
    private const int ValueBytes = 10_000;

    private static GrainId NewGrain() => new("crdt-test", Guid.NewGuid().ToString("N"));

    private static byte[] Value(int n) => Enumerable.Repeat((byte)n, ValueBytes).ToArray();

    [Fact]
    public async Task RepeatedWritesOfAState_InOneBatch_SendTheLastValueOnce_AndEveryDot()
    {
        await using var kit = await StartAsync(2);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var (grain, other) = (NewGrain(), NewGrain());
        await kit.BootstrapThenPauseAntiEntropyAsync();
        var (batches, bytes, dotOnly) = (Replicator(writer).Stats.DeltaBatchesSent, Replicator(writer).Stats.DeltaBytesSent, Replicator(writer).Stats.DotOnlySent);
        var state = new GrainState<byte[]>([]);
        // Another key's deltas between the writes: they are not whole states and keep their bytes.
        await WriteWhilePausedAsync(writer, reader, grain, state, 1, 10, n => State<ORSet<string>>(writer, other).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, $"{n:00}")));

        var read = new GrainState<byte[]>([]);
        await Storage(reader).ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal(Value(10), read.State);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(Storage(writer).GetVersion("s", grain).ToString(), Storage(reader).GetVersion("s", grain).ToString());
        Assert.Equal($"{{{Replicator(writer).ReplicaId}:1..10}}", Storage(reader).GetVersion("s", grain).ToString());
        Assert.Equal(Enumerable.Range(1, 10).Select(n => $"{n:00}"), State<ORSet<string>>(reader, other).Value.Elements);
        Assert.Equal(1, Replicator(writer).Stats.DeltaBatchesSent - batches);
        Assert.Equal(9, Replicator(writer).Stats.DotOnlySent - dotOnly);
        // One value and the framing of twenty deltas, not ten values.
        Assert.InRange(Replicator(writer).Stats.DeltaBytesSent - bytes, ValueBytes, ValueBytes + 2_000);
    }

    [Fact]
    public async Task WritesSplitAcrossBatches_EachBatchCarriesItsOwnLastWrite()
    {
        // Three deltas per batch: writes 1..3 and 4..6 go apart, each batch with its last write whole.
        await using var kit = await StartAsync(2, o => o.MaxBatchSize = 3);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        await kit.BootstrapThenPauseAntiEntropyAsync();
        var (batches, bytes, dotOnly) = (Replicator(writer).Stats.DeltaBatchesSent, Replicator(writer).Stats.DeltaBytesSent, Replicator(writer).Stats.DotOnlySent);
        var state = new GrainState<byte[]>([]);
        await WriteWhilePausedAsync(writer, reader, grain, state, 1, 6);

        var read = new GrainState<byte[]>([]);
        await Storage(reader).ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal(Value(6), read.State);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(Storage(writer).GetVersion("s", grain).ToString(), Storage(reader).GetVersion("s", grain).ToString());
        Assert.Equal(2, Replicator(writer).Stats.DeltaBatchesSent - batches);
        Assert.Equal(4, Replicator(writer).Stats.DotOnlySent - dotOnly);
        Assert.InRange(Replicator(writer).Stats.DeltaBytesSent - bytes, 2 * ValueBytes, 2 * ValueBytes + 1_000);
    }

    [Fact]
    public async Task APeerThatDoesNotSayItTakesDotOnlyDeltas_GetsEveryValue()
    {
        await using var kit = await StartAsync(2);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        await kit.BootstrapThenPauseAntiEntropyAsync();
        // From now on the reader answers as a silo of an earlier build, which would refuse a dot-only delta.
        Replicator(reader).TakesDotOnly = false;
        var state = new GrainState<byte[]>([]);

        // The first batch gets the answer that says so (how it went depends on what the link knew before).
        await WriteWhilePausedAsync(writer, reader, grain, state, 1, 3);
        var (bytes, dotOnly) = (Replicator(writer).Stats.DeltaBytesSent, Replicator(writer).Stats.DotOnlySent);
        await WriteWhilePausedAsync(writer, reader, grain, state, 4, 6);

        Assert.Equal(0, Replicator(writer).Stats.DotOnlySent - dotOnly);
        Assert.InRange(Replicator(writer).Stats.DeltaBytesSent - bytes, 3 * ValueBytes, 3 * ValueBytes + 1_000);
        Assert.Equal($"{{{Replicator(writer).ReplicaId}:1..6}}", Storage(reader).GetVersion("s", grain).ToString());
    }

    [Fact]
    public async Task DotOnlyDelta_WithoutALaterCarrierOfItsKey_IsRefused_AndChangesNothing()
    {
        await using var kit = await StartAsync(1);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var origin = new GCounter();
        var d1 = CrdtSerializer.SerializeToArray(origin.Increment("z", 1));
        var d2 = CrdtSerializer.SerializeToArray(origin.Increment("z", 2));

        // The dot-only delta of 'a' is followed only by a delta of another key.
        var orphan = Batch((new DeltaRecord(0, "a", "gcounter", 1, d1, 0), true), (new DeltaRecord(0, "b", "gcounter", 1, d2, 0), false));
        var error = await Assert.ThrowsAsync<SerializationException>(() => replicator.ReceiveDeltasAsync(orphan));
        Assert.Contains("'a'", error.Message);
        Assert.Equal(0ul, replicator.DeliveredFrom("z"));
        Assert.False(replicator.TryRead<GCounter>("b", out _, out _));

        // Followed by a later delta of its key, the dot counts and the later delta carries the value.
        var carried = Batch((new DeltaRecord(0, "a", "gcounter", 1, d1, 0), true), (new DeltaRecord(0, "a", "gcounter", 2, CrdtSerializer.SerializeToArray(origin), 0), false));
        await replicator.ReceiveDeltasAsync(carried);
        Assert.Equal(2ul, replicator.DeliveredFrom("z"));
        Assert.True(replicator.TryRead<GCounter>("a", out var counter, out var version));
        Assert.Equal((3ul, "{z:1..2}"), (counter.Value, version.ToString()));

        static ReadOnlyMemory<byte> Batch(params (DeltaRecord Record, bool DotOnly)[] records) => ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, "z");
            ReplicationCodec.WriteUInt64(ref w, 2, 1);
            foreach (var (record, dotOnly) in records)
            {
                ReplicationCodec.WriteDelta(ref w, 3, record, dotOnly);
            }
        });
    }

    [Fact]
    public async Task JournaledReceiver_RecoversACoalescedBatch_AndATornBatchRecordIsReplayedNotAtAll()
    {
        await using var kit = await StartAsync(2, withJournal: i => i >= 1);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        await kit.BootstrapThenPauseAntiEntropyAsync();
        var state = new GrainState<byte[]>([]);

        // First batch: three writes, two of them as dots; the reader journals it.
        await WriteBatchAsync(1, 3);
        var key = ((CrdtGrainStorage)Storage(writer)).KeyOf("s", grain);
        Assert.True(Replicator(writer).TryRead<LwwRegister<byte[]>>(key, out var third, out _));
        var thirdBytes = third.Value;
        var journal = Path.Combine(kit.JournalOf[1], "replicas.journal");
        var afterFirst = new FileInfo(journal).Length;
        // Second batch: three more; then the reader dies with that batch's record torn in half.
        await WriteBatchAsync(4, 6);
        // The restarted reader must show what its journal holds, not what it would bootstrap from the writer.
        kit.Quarantine(writer);
        await kit.Cluster.KillSiloAsync(reader);
        var lastRecord = LastRecordStart(journal);
        Assert.Equal(afterFirst, lastRecord);
        TruncateInside(journal, lastRecord);
        kit.JournalOf[2] = kit.JournalOf[1];
        var restarted = await kit.StartSiloAsync();

        // The whole first batch is back; none of the second: no dot of it without its value.
        var id = Replicator(writer).ReplicaId;
        Assert.Equal($"{{{id}:1..3}}", Storage(restarted).GetVersion("s", grain).ToString());
        Assert.Equal(3ul, Replicator(restarted).DeliveredFrom(id));
        Assert.True(Replicator(restarted).TryRead<LwwRegister<byte[]>>(key, out var replica, out _));
        Assert.Equal(thirdBytes, replica.Value);

        // The writer resends what the reader lost, and the replicas agree again.
        kit.HealAll();
        await WaitUntilAsync(() => Storage(restarted).GetVersion("s", grain).ToString() == $"{{{id}:1..6}}", "the restarted reader has all six writes");
        Assert.Equal(Value(6), await ReadAsync(restarted));

        // The reader acknowledges a batch only once it is in its journal.
        async Task WriteBatchAsync(int from, int to)
        {
            var dotOnly = Replicator(writer).Stats.DotOnlySent;
            await WriteWhilePausedAsync(writer, reader, grain, state, from, to);
            Assert.Equal(to - from, Replicator(writer).Stats.DotOnlySent - dotOnly);
        }

        async Task<byte[]> ReadAsync(SiloHandle silo)
        {
            var read = new GrainState<byte[]>([]);
            await Storage(silo).ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
            return read.State;
        }
    }

    /// <summary>
    /// Writes values <paramref name="from"/>..<paramref name="to"/> of the grain's state on the writer
    /// while its links are paused (so they meet in one batch unless the batch limits split them), with
    /// <paramref name="between"/> after each write; then resumes the links and waits for the reader's
    /// acknowledgement (not its delivery: the writer counts what it sent once answered, and a journaled
    /// reader answers once the batch is durable).
    /// </summary>
    private static async Task WriteWhilePausedAsync(SiloHandle writer, SiloHandle reader, GrainId grain, GrainState<byte[]> state, int from, int to, Func<int, Task>? between = null)
    {
        Replicator(writer).DeltaLinksPaused = true;
        for (var n = from; n <= to; n++)
        {
            state.State = Value(n);
            await Storage(writer).WriteStateAsync("s", grain, state, TestContext.Current.CancellationToken);
            if (between is not null)
            {
                await between(n);
            }
        }
        Replicator(writer).DeltaLinksPaused = false;
        await WaitUntilAsync(() => Replicator(writer).AcknowledgedBy(reader.Address) == Replicator(writer).LocalSequence, $"the reader acknowledged writes {from}..{to}");
    }

    /// <summary>The offset of the journal's last record (records are <c>u32 length | u32 CRC | payload</c>).</summary>
    private static long LastRecordStart(string journal)
    {
        var data = File.ReadAllBytes(journal);
        long position = 0, last = -1;
        while (position + 8 <= data.Length)
        {
            last = position;
            position += 8 + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan((int)position));
        }
        Assert.Equal(data.Length, position);
        return last;
    }

    private static void TruncateInside(string journal, long recordStart)
    {
        using var file = new FileStream(journal, FileMode.Open, FileAccess.ReadWrite);
        file.SetLength(recordStart + (file.Length - recordStart) / 2);
    }
}
