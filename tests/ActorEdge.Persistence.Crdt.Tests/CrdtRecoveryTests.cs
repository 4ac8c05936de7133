using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

public sealed class CrdtRecoveryTests
{
    private static GrainId NewGrain() => new("crdt-test", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task KilledSilo_RestartedFromItsJournal_KeepsReplicasAndReplicaId_IgnoringATornTail()
    {
        await using var kit = await StartAsync(1, withJournal: _ => true);
        var silo = kit.Cluster.Silos[0];
        var grain = NewGrain();
        var profile = new GrainState<Profile>(new Profile { Name = "durable", Visits = 7 });
        await Storage(silo).WriteStateAsync("p", grain, profile, TestContext.Current.CancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await State<PNCounter>(silo, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 10));
        }
        await State<PNCounter>(silo, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, -4));
        var replicaId = Replicator(silo).ReplicaId;
        var version = Storage(silo).GetVersion("s", grain).ToString();

        await kit.Cluster.KillSiloAsync(silo);
        var journal = Path.Combine(kit.JournalOf[0], "replicas.journal");
        var intact = new FileInfo(journal).Length;
        // A crash in the middle of an append: a length that promises more than was written.
        await File.AppendAllBytesAsync(journal, [0x40, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3], TestContext.Current.CancellationToken);
        kit.JournalOf[1] = kit.JournalOf[0];
        var restarted = await kit.StartSiloAsync();

        Assert.Equal(replicaId, Replicator(restarted).ReplicaId);
        Assert.Equal(26, State<PNCounter>(restarted, grain).Value.Value);
        Assert.Equal(version, Storage(restarted).GetVersion("s", grain).ToString());
        var read = new GrainState<Profile>(new Profile());
        await Storage(restarted).ReadStateAsync("p", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal("durable", read.State.Name);
        Assert.Equal(7, read.State.Visits);
        Assert.Equal(profile.ETag, read.ETag);
        Assert.Equal(intact, new FileInfo(journal).Length);

        // The replica goes on where it stopped: the old ETag is current, its dots continue.
        read.State.Visits = 8;
        await Storage(restarted).WriteStateAsync("p", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal($"{{{replicaId}:1..2}}", Storage(restarted).GetVersion("p", grain).ToString());
    }

    [Fact]
    public async Task Journal_IsChecksummedWithCrc32C_AndAJournalOfAnEarlierBuild_WithIeeeCrc32_StillReplays()
    {
        await using var kit = await StartAsync(1, withJournal: _ => true);
        var silo = kit.Cluster.Silos[0];
        var grain = NewGrain();
        var profile = new GrainState<Profile>(new Profile { Name = new string('p', 5000), Visits = 3 });
        await Storage(silo).WriteStateAsync("p", grain, profile, TestContext.Current.CancellationToken);
        await State<GCounter>(silo, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 41));
        await kit.Cluster.KillSiloAsync(silo);
        var journal = Path.Combine(kit.JournalOf[0], "replicas.journal");
        var frames = ReadFrames(await File.ReadAllBytesAsync(journal, TestContext.Current.CancellationToken));
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.Equal(ActorEdge.Serialization.Crc32C.Compute(f.Payload), f.Crc));

        // The same records as an earlier build wrote them: the IEEE CRC-32 in every frame.
        using (var rewritten = new MemoryStream())
        {
            foreach (var (_, payload) in frames)
            {
                var header = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), LegacyCrc32.Compute(payload));
                rewritten.Write(header);
                rewritten.Write(payload);
            }
            await File.WriteAllBytesAsync(journal, rewritten.ToArray(), TestContext.Current.CancellationToken);
        }
        var length = new FileInfo(journal).Length;
        kit.JournalOf[1] = kit.JournalOf[0];
        var restarted = await kit.StartSiloAsync();

        Assert.Equal(length, new FileInfo(journal).Length);
        Assert.Equal(41UL, State<GCounter>(restarted, grain).Value.Value);
        var read = new GrainState<Profile>(new Profile());
        await Storage(restarted).ReadStateAsync("p", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal((profile.State.Name, 3, profile.ETag), (read.State.Name, read.State.Visits, read.ETag));
    }

    [Fact]
    public async Task FailedJournalWrite_StopsTheReplica_SoNothingAcknowledgedAfterItIsLost_AndARestartRecoversWhatWasWritten()
    {
        await using var kit = await StartAsync(1, withJournal: _ => true);
        var silo = kit.Cluster.Silos[0];
        var grain = NewGrain();
        var ct = TestContext.Current.CancellationToken;
        var counter = State<GCounter>(silo, grain);
        await counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 5));
        var profile = new GrainState<Profile>(new Profile { Name = "before", Visits = 1 });
        await Storage(silo).WriteStateAsync("p", grain, profile, ct);

        // The disk fails in the middle of the next record (half of it written, then an error).
        Replicator(silo).FailNextJournalWrite(new IOException("injected: no space left on device"));
        var failed = await Assert.ThrowsAsync<CrdtStorageException>(() => counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 7)));
        Assert.Contains("injected: no space left on device", failed.Message, StringComparison.Ordinal);

        // Fail-stop: a later update is refused, not appended behind the torn record, where replay
        // would never reach it (it would be acknowledged, then lost at the next start).
        var later = await Assert.ThrowsAsync<CrdtStorageException>(() => counter.UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 11)));
        Assert.Contains("stopped", later.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrdtStorageException>(() => Storage(silo).WriteStateAsync("p", grain, new GrainState<Profile>(new Profile { Name = "after" }) { ETag = profile.ETag }, ct));
        // Nor is the update whose write failed readable, nor its dot (a restart would take both back
        // and reuse the dot); and the replica takes no grain in a migration.
        Assert.Throws<CrdtStorageException>(() => counter.Value);
        await Assert.ThrowsAsync<CrdtStorageException>(() => Storage(silo).ReadStateAsync("p", grain, new GrainState<Profile>(new Profile()), ct));
        Assert.Throws<CrdtStorageException>(() => Storage(silo).GetVersion("p", grain));
        var key = ((CrdtGrainStorage)Storage(silo)).KeyOf("p", grain);
        Assert.Throws<CrdtStorageException>(() => Replicator(silo).MergeHandOver(new StateRecord(key, "lww", new CausalContext(), [1])));
        await Assert.ThrowsAsync<CrdtStorageException>(() => Replicator(silo).WaitForVersionAsync(key, new CausalContext(), TimeSpan.FromSeconds(5), ct));

        await kit.Cluster.KillSiloAsync(silo);
        kit.JournalOf[1] = kit.JournalOf[0];
        var restarted = await kit.StartSiloAsync();

        Assert.Equal(5UL, State<GCounter>(restarted, grain).Value.Value);
        var read = new GrainState<Profile>(new Profile());
        await Storage(restarted).ReadStateAsync("p", grain, read, ct);
        Assert.Equal(("before", profile.ETag), (read.State.Name, read.ETag));
        await State<GCounter>(restarted, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 2));
        Assert.Equal(7UL, State<GCounter>(restarted, grain).Value.Value);
    }

    private static List<(uint Crc, byte[] Payload)> ReadFrames(byte[] data)
    {
        var frames = new List<(uint, byte[])>();
        for (var position = 0; position < data.Length;)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(position));
            var crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position + 4));
            frames.Add((crc, data.AsSpan(position + 8, length).ToArray()));
            position += 8 + length;
        }
        return frames;
    }

    [Fact]
    public async Task NewSilo_BootstrapsFromANeighbour_AndMembershipDrivesThePeers()
    {
        // A one-entry delta log: the newcomer cannot get the history as deltas.
        await using var kit = await StartAsync(2, o => o.DeltaLogCapacity = 1);
        var (s0, s1) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grains = Enumerable.Range(0, 5).Select(_ => NewGrain()).ToList();
        foreach (var grain in grains)
        {
            await State<ORSet<string>>(s0, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "a"));
            await State<ORSet<string>>(s1, grain).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "b"));
        }
        await WaitUntilAsync(() => grains.All(g => State<ORSet<string>>(s0, g).Value.Elements.Count == 2 && State<ORSet<string>>(s1, g).Value.Elements.Count == 2), "the first two silos converge");

        var s2 = await kit.StartSiloAsync();

        await WaitUntilAsync(() => Replicator(s2).Stats.BootstrappedKeys == 5, "the new silo bootstraps five keys");
        Assert.All(grains, g => Assert.Equal(["a", "b"], State<ORSet<string>>(s2, g).Value.Elements));
        await WaitUntilAsync(() => Replicator(s0).Peers.Contains(s2.Address) && Replicator(s1).Peers.Contains(s2.Address) && Replicator(s2).Peers.Count == 2, "every silo replicates with the newcomer");

        await State<ORSet<string>>(s2, grains[0]).UpdateAsync((set, ctx) => set.Add(ctx.ReplicaId, "c"));
        await WaitUntilAsync(() => State<ORSet<string>>(s0, grains[0]).Value.Elements.SequenceEqual(["a", "b", "c"]) && State<ORSet<string>>(s1, grains[0]).Value.Elements.SequenceEqual(["a", "b", "c"]), "the newcomer's update reaches both");

        await kit.Cluster.StopSiloAsync(s1);
        await WaitUntilAsync(() => Replicator(s0).Peers.SequenceEqual([s2.Address]) && Replicator(s2).Peers.SequenceEqual([s0.Address]), "a stopped silo leaves the replication scope");
    }

    [Fact]
    public async Task CatchUpWait_CompletesWhenTheLinkHeals_AndTimesOutClearlyWhileCut()
    {
        await using var kit = await StartAsync(2);
        var (source, target) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = NewGrain();
        kit.Cut(source, target);
        await Storage(source).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "before migration" }), TestContext.Current.CancellationToken);
        var handedOver = CrdtVersion.FromBytes(Storage(source).GetVersion("s", grain).ToBytes());

        var timeout = await Assert.ThrowsAsync<CrdtCatchUpTimeoutException>(() => Storage(target).WaitForVersionAsync("s", grain, handedOver, TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));
        Assert.Contains($"still misses 1 update(s) from replica {Replicator(source).ReplicaId}", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("did not catch up", timeout.Message, StringComparison.Ordinal);

        var wait = Storage(target).WaitForVersionAsync("s", grain, handedOver, TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.False(wait.IsCompleted);
        kit.HealAll();
        await wait;

        var read = new GrainState<Profile>(new Profile());
        await Storage(target).ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal("before migration", read.State.Name);
    }
}
