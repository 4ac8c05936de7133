using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;
using ActorEdge.TestingHost;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

[GenerateSerializer]
public sealed class Profile
{
    [Id(0)]
    public string Name { get; set; } = string.Empty;

    [Id(1)]
    public int Visits { get; set; }
}

public sealed class CrdtReplicationTests
{
    private static GrainId NewGrain() => new("crdt-test", Guid.NewGuid().ToString("N"));

    private static ulong CounterOn(SiloHandle silo, GrainId grain) => State<GCounter>(silo, grain).Value.Value;

    [Fact]
    public async Task ConcurrentWriters_OnThreeSilos_ConvergeToTheExactSum()
    {
        await using var kit = await StartAsync(3);
        var grain = NewGrain();
        var silos = kit.Cluster.Silos;

        await Task.WhenAll(silos.Select((silo, i) => Task.Run(async () =>
        {
            for (var n = 0; n < 20; n++)
            {
                await State<GCounter>(silo, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, (ulong)i + 1));
            }
        })));

        await WaitUntilAsync(() => silos.All(s => CounterOn(s, grain) == 120), "every silo counts 20·1 + 20·2 + 20·3");
        Assert.All(silos, s => Assert.Equal(120ul, CounterOn(s, grain)));
        var versions = silos.Select(s => Storage(s).GetVersion("s", grain).ToString()).Distinct().ToList();
        Assert.Single(versions);
    }

    [Fact]
    public async Task LargeDeltas_AreSentInBatchesOfAtMostMaxBatchBytes_AndAllArrive()
    {
        await using var kit = await StartAsync(2, o => o.MaxBatchBytes = 250_000);
        var (writer, reader) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var ct = TestContext.Current.CancellationToken;
        await kit.BootstrapThenPauseAntiEntropyAsync();
        Replicator(writer).DeltaLinksPaused = true;
        var grains = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToArray();
        foreach (var grain in grains)
        {
            // A 100 000-byte state: each delta is a little larger, so two fit in 250 000 bytes and three do not.
            await Storage(writer).WriteStateAsync("s", grain, new GrainState<byte[]>(new byte[100_000]), ct);
        }
        var (batches, fullSyncs) = (Replicator(writer).Stats.DeltaBatchesSent, Replicator(writer).Stats.FullSyncs);

        Replicator(writer).DeltaLinksPaused = false;

        await WaitUntilAsync(
            () => Replicator(reader).DeliveredFrom(Replicator(writer).ReplicaId) == Replicator(writer).LocalSequence,
            "the reader to have every delta of the writer delivered");
        Assert.All(grains, g => Assert.False(Storage(reader).GetVersion("s", g).Context.IsEmpty));
        Assert.Equal(fullSyncs, Replicator(writer).Stats.FullSyncs);
        Assert.Equal(5, Replicator(writer).Stats.DeltaBatchesSent - batches);
    }

    [Fact]
    public async Task PartitionHeals_EverySiloConvergesToTheSameSetAndEtag()
    {
        await using var kit = await StartAsync(3);
        var grain = NewGrain();
        var (s0, s1, s2) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1], kit.Cluster.Silos[2]);
        await State<ORSet<string>>(s0, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "shared"));
        await WaitUntilAsync(() => State<ORSet<string>>(s2, grain).Value.Contains("shared"), "s2 sees the first add");

        kit.Isolate(s2);
        await State<ORSet<string>>(s0, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "from-0"));
        await State<ORSet<string>>(s1, grain).UpdateAsync((set, _) => set.Remove("shared"));
        await State<ORSet<string>>(s2, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "from-2"));
        await State<ORSet<string>>(s2, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "shared"));
        await WaitUntilAsync(() => State<ORSet<string>>(s1, grain).Value.Contains("from-0"), "s0 and s1 still replicate");
        Assert.Equal(["from-2", "shared"], State<ORSet<string>>(s2, grain).Value.Elements);

        kit.HealAll();

        string[] expected = ["from-0", "from-2", "shared"];
        // The elements can agree before the versions do (s1's remove is dominated by s2's re-add): wait for both.
        await WaitUntilAsync(() => kit.Cluster.Silos.All(s => State<ORSet<string>>(s, grain).Value.Elements.SequenceEqual(expected))
            && kit.Cluster.Silos.Select(s => Storage(s).GetVersion("s", grain).ToString()).Distinct().Count() == 1, "all three hold the add-wins union at the same version");
        Assert.Single(kit.Cluster.Silos.Select(s => Storage(s).GetVersion("s", grain).ToString()).Distinct());
        Assert.Equal(3, Storage(s0).GetVersion("s", grain).Context.VersionVector.Count);
    }

    [Fact]
    public async Task ConcurrentStorageWrites_WhilePartitioned_ConvergeToTheLatestWrite()
    {
        await using var kit = await StartAsync(2);
        var (s0, s1) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        kit.Cut(s0, s1);

        await Storage(s0).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "zero", Visits = 1 }), TestContext.Current.CancellationToken);
        await Storage(s1).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "one", Visits = 2 }), TestContext.Current.CancellationToken);
        var key = ((CrdtGrainStorage)Storage(s0)).KeyOf("s", grain);
        Assert.True(Replicator(s0).TryRead<LwwRegister<byte[]>>(key, out var r0, out _));
        Assert.True(Replicator(s1).TryRead<LwwRegister<byte[]>>(key, out var r1, out _));
        var winner = (r0.Timestamp, r0.Replica).CompareTo((r1.Timestamp, r1.Replica)) > 0 ? "zero" : "one";

        kit.HealAll();

        await WaitUntilAsync(() => Read(s0).ETag is { } e && e == Read(s1).ETag && Read(s0).ETag != null && Storage(s0).GetVersion("s", grain).Context.VersionVector.Count == 2, "both replicas hold both writes");
        Assert.Equal(winner, Read(s0).State.Name);
        Assert.Equal(winner, Read(s1).State.Name);

        // The ETag of a replica that has not seen the other write is stale once it has.
        var stale = new GrainState<Profile>(new Profile()) { ETag = "0123456789abcdef01234567", RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage(s1).WriteStateAsync("s", grain, stale, TestContext.Current.CancellationToken));

        GrainState<Profile> Read(SiloHandle silo)
        {
            var state = new GrainState<Profile>(new Profile());
            Storage(silo).ReadStateAsync("s", grain, state).GetAwaiter().GetResult();
            return state;
        }
    }

    [Fact]
    public async Task DuplicatedAndReorderedDeltas_AreDeliveredOnceAndInOrder()
    {
        await using var kit = await StartAsync(1);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var key = "crdt/test/raw/1/s";
        var origin = new GCounter();
        var d1 = origin.Increment("z", 5);
        var d2 = origin.Increment("z", 2);
        var d3 = origin.Increment("z", 4);

        var afterGap = await Deliver(3, (d3, 3));
        var inOrder = await Deliver(1, (d1, 1), (d2, 2));
        var duplicate = await Deliver(1, (d1, 1), (d2, 2));
        var overlapping = await Deliver(2, (d2, 2), (d3, 3));

        Assert.Equal([0ul, 2ul, 2ul, 3ul], new[] { afterGap, inOrder, duplicate, overlapping });
        Assert.True(replicator.TryRead<GCounter>(key, out var counter, out var version));
        Assert.Equal(11ul, counter.Value);
        Assert.Equal("{z:1..3}", version.ToString());
        Assert.Equal(1, replicator.Stats.Gaps);

        async Task<ulong> Deliver(ulong first, params (GCounter Delta, ulong Dot)[] deltas)
        {
            var payload = ReplicationCodec.Encode((ref Writer w) =>
            {
                ReplicationCodec.WriteString(ref w, 1, "z");
                ReplicationCodec.WriteUInt64(ref w, 2, first);
                foreach (var (delta, dot) in deltas)
                {
                    ReplicationCodec.WriteDelta(ref w, 3, new DeltaRecord(0, key, "gcounter", dot, CrdtSerializer.SerializeToArray(delta), 0));
                }
            });
            var response = await replicator.ReceiveDeltasAsync(payload);
            var r = new Reader(response.Span);
            Assert.True(r.TryReadFieldHeader(out _, out _));
            return r.ReadVarUInt64();
        }
    }

    [Fact]
    public async Task ResentBatch_IsAnsweredOnlyOnceTheFirstCopyIsDurable()
    {
        await using var kit = await StartAsync(1, withJournal: _ => true);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var ct = TestContext.Current.CancellationToken;
        var payload = ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, "z");
            ReplicationCodec.WriteUInt64(ref w, 2, 1);
            ReplicationCodec.WriteDelta(ref w, 3, new DeltaRecord(0, "crdt/test/resent/s", "gcounter", 1, CrdtSerializer.SerializeToArray(new GCounter().Increment("z", 3)), 0));
        });
        var disk = new TaskCompletionSource();
        replicator.HoldJournal(disk.Task);
        try
        {
            // The origin timed out waiting for the first copy (a slow disk) and sent the batch again:
            // the second copy applies nothing, but its answer ("delivered 1") must not come before the
            // first copy's record is on disk, or a crash then would lose an acknowledged delta.
            var first = replicator.ReceiveDeltasAsync(payload);
            var resent = replicator.ReceiveDeltasAsync(payload);
            await Task.Delay(200, ct);
            Assert.False(first.IsCompleted);
            Assert.False(resent.IsCompleted);

            disk.SetResult();
            var answers = await Task.WhenAll(first, resent).WaitAsync(TimeSpan.FromSeconds(20), ct);
            Assert.Equal((1ul, 1ul), (Delivered(answers[0]), Delivered(answers[1])));
            Assert.True(replicator.TryRead<GCounter>("crdt/test/resent/s", out var counter, out _));
            Assert.Equal(3ul, counter.Value);
        }
        finally
        {
            disk.TrySetResult();
        }

        static ulong Delivered(ReadOnlyMemory<byte> response)
        {
            var r = new Reader(response.Span);
            Assert.True(r.TryReadFieldHeader(out _, out _));
            return r.ReadVarUInt64();
        }
    }

    [Fact]
    public async Task CorruptDeltaBatch_IsRejectedWithoutChangingTheReplica()
    {
        await using var kit = await StartAsync(1);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var good = CrdtSerializer.SerializeToArray(new GCounter().Increment("z", 1));
        var payload = ReplicationCodec.Encode((ref Writer w) =>
        {
            ReplicationCodec.WriteString(ref w, 1, "z");
            ReplicationCodec.WriteUInt64(ref w, 2, 1);
            ReplicationCodec.WriteDelta(ref w, 3, new DeltaRecord(0, "k", "gcounter", 1, good, 0));
            ReplicationCodec.WriteDelta(ref w, 3, new DeltaRecord(0, "k", "gcounter", 2, good[..^2], 0));
        });

        await Assert.ThrowsAsync<SerializationException>(() => replicator.ReceiveDeltasAsync(payload));

        Assert.False(replicator.TryRead<GCounter>("k", out var counter, out _) && counter.Value != 0);
    }

    [Fact]
    public async Task LinkSession_KeysAreNamedOncePerSession_AndAnUnknownSessionIsAnsweredSo()
    {
        await using var kit = await StartAsync(1);
        var replicator = Replicator(kit.Cluster.Silos[0]);
        var sender = kit.Cluster.Silos[0].Address;
        var key = "crdt/test/session/1/s";
        var origin = new GCounter();
        var d1 = CrdtSerializer.SerializeToArray(origin.Increment("z", 5), "z");
        var d2 = CrdtSerializer.SerializeToArray(origin.Increment("z", 6), "z");

        // A number the receiver never saw defined: nothing applied, the sender must start over.
        var unknown = await Deliver(7, null, 1, (d1, 1, define: false));
        var started = await Deliver(7, "z", 1, (d1, 1, define: true));
        var numbered = await Deliver(7, null, 2, (d2, 2, define: false));
        var otherSession = await Deliver(9, null, 3, (d2, 3, define: false));

        Assert.Equal([(0ul, true), (1ul, false), (2ul, false), (0ul, true)], new[] { unknown, started, numbered, otherSession });
        Assert.True(replicator.TryRead<GCounter>(key, out var counter, out var version));
        Assert.Equal(11ul, counter.Value);
        Assert.Equal("{z:1..2}", version.ToString());
        Assert.Equal(2ul, replicator.DeliveredFrom("z"));

        async Task<(ulong Delivered, bool Unknown)> Deliver(ulong session, string? startsAs, ulong first, params (byte[] Delta, ulong Dot, bool define)[] deltas)
        {
            var payload = ReplicationCodec.Encode((ref Writer w) =>
            {
                ReplicationCodec.WriteUInt64(ref w, 4, session);
                if (startsAs is not null)
                {
                    ReplicationCodec.WriteString(ref w, 1, startsAs);
                    w.WriteFieldHeader(5, WireType.VarInt);
                    w.WriteVarInt64(1_000);
                }
                ReplicationCodec.WriteUInt64(ref w, 2, first);
                foreach (var (delta, dot, define) in deltas)
                {
                    ReplicationCodec.WriteSessionDelta(ref w, 3, new DeltaRecord(0, key, "gcounter", dot, delta, 1_005), 0, define, 1_000);
                }
            });
            var response = await replicator.ReceiveDeltasAsync(sender, payload);
            var r = new Reader(response.Span);
            (ulong, bool) result = (0, false);
            while (r.TryReadFieldHeader(out var field, out _))
            {
                switch (field)
                {
                    case 1: result.Item1 = r.ReadVarUInt64(); break;
                    case 2: result.Item2 = r.ReadVarUInt64() == 1; break;
                    default: r.ReadVarUInt64(); break;
                }
            }
            return result;
        }
    }

    [Fact]
    public async Task Read_AnswersFromTheReplicaItself_WithoutACopy_AndAnEmptyStateWhenThereIsNone()
    {
        await using var kit = await StartAsync(1);
        var silo = kit.Cluster.Silos[0];
        var state = State<ORSet<string>>(silo, NewGrain());

        Assert.Equal((0, false), state.Read(set => (set.Elements.Count, set.Contains("a"))));
        await state.UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "a"));
        await state.UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "b"));

        Assert.Equal((2, true, false), state.Read(set => (set.Elements.Count, set.Contains("a"), set.Contains("c"))));
        // The same instance twice (the replica), where Value gives a new copy each time. (Returning the
        // state is what the API forbids; here it only proves that nothing was copied.)
        Assert.Same(state.Read(set => set), state.Read(set => set));
        Assert.NotSame(state.Value, state.Value);
        // Reading or updating CRDT state from inside a read is refused, and changes nothing.
        var nested = Assert.Throws<InvalidOperationException>(() => state.Read(_ => state.Value));
        Assert.Contains("ICrdtState.Read", nested.Message);
        var update = state.Read(_ => state.UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "inside")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => update);
        Assert.False(state.Read(set => set.Contains("inside")));
        // A read that throws leaves the replica usable.
        Assert.Throws<InvalidOperationException>(() => state.Read<int>(_ => throw new InvalidOperationException("reader failed")));
        await state.UpdateAsync((set, _) => set.Remove("a"));
        Assert.Equal(["b"], state.Read(set => set.Elements.ToArray()));
    }

    [Fact]
    public async Task ReadState_OnASiloWhoseReplicaLags_AsksThePeersFirst_SoAnActivationStartsFromTheNewestState()
    {
        await using var kit = await StartAsync(3);
        var (writer, lagging) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        // The writer's deltas do not leave it and no anti-entropy runs: only a read repair can bring the write to the lagging silo.
        foreach (var silo in kit.Cluster.Silos)
        {
            Replicator(silo).AntiEntropyPaused = true;
        }
        Replicator(writer).DeltaLinksPaused = true;
        var written = new GrainState<Profile>(new Profile { Name = "newest", Visits = 3 });
        await Storage(writer).WriteStateAsync("s", grain, written, ct);
        Assert.True(Storage(lagging).GetVersion("s", grain).Context.IsEmpty);

        var read = new GrainState<Profile>(new Profile());
        await Storage(lagging).ReadStateAsync("s", grain, read, ct);

        Assert.Equal(("newest", 3, written.ETag), (read.State.Name, read.State.Visits, read.ETag));
        Assert.True(read.RecordExists);

        // A cut-off peer is skipped at once (no wait for the read-repair bound).
        kit.Isolate(writer);
        written.State.Visits = 4;
        await Storage(writer).WriteStateAsync("s", grain, written, ct);
        var started = DateTime.UtcNow;
        var stale = new GrainState<Profile>(new Profile());
        await Storage(lagging).ReadStateAsync("s", grain, stale, ct);
        Assert.Equal(3, stale.State.Visits);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromMilliseconds(900));
    }
}
