using System.Text;
using ActorEdge.TestingHost;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>Key GC: cleared grain states leave every replica and journal once every peer has seen them cleared.</summary>
public sealed class CrdtKeyGcTests
{
    private static GrainId NewGrain() => new("crdt-gc", Guid.NewGuid().ToString("N"));

    private static string KeyOf(SiloHandle silo, GrainId grain) => ((CrdtGrainStorage)Storage(silo)).KeyOf("s", grain);

    [Fact]
    public async Task ClearedState_OnThreeSilos_DisappearsFromEveryReplicaAndJournal_AndCanBeWrittenAgain()
    {
        await using var kit = await StartAsync(3, withJournal: _ => true);
        var silos = kit.Cluster.Silos;
        var ct = TestContext.Current.CancellationToken;
        var grain = NewGrain();
        var kept = NewGrain();
        var key = KeyOf(silos[0], grain);
        await Storage(silos[0]).WriteStateAsync("s", grain, new GrainState<Profile>(new Profile { Name = "secret-value-to-forget" }), ct);
        await Storage(silos[0]).WriteStateAsync("s", kept, new GrainState<Profile>(new Profile { Name = "kept" }), ct);
        await WaitUntilAsync(() => silos.All(s => Replicator(s).KeyCount == 2), "both states reach every silo");

        // Cleared on another silo than the writer's, with that silo's ETag.
        var atSilo1 = new GrainState<Profile>(new Profile());
        await Storage(silos[1]).ReadStateAsync("s", grain, atSilo1, ct);
        await Storage(silos[1]).ClearStateAsync("s", grain, atSilo1, ct);

        await WaitUntilAsync(() => silos.All(s => Replicator(s).IsDropped(key)), "every silo drops the cleared key");
        foreach (var silo in silos)
        {
            Assert.Equal(1, Replicator(silo).KeyCount);
            Assert.Equal(1, Replicator(silo).Stats.DroppedKeys);
            var read = new GrainState<Profile>(new Profile());
            await Storage(silo).ReadStateAsync("s", grain, read, ct);
            Assert.False(read.RecordExists);
            Assert.Null(read.ETag);
            await Replicator(silo).CompactJournalAsync();
        }
        var secret = Encoding.UTF8.GetBytes("secret-value-to-forget");
        for (var i = 0; i < silos.Count; i++)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(kit.JournalOf[i], "replicas.journal"), ct);
            Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"silo {i}'s journal still holds the cleared state");
            Assert.True(bytes.AsSpan().IndexOf("kept"u8) >= 0, $"silo {i}'s journal lost the other state");
        }

        // A restart from the compacted journal keeps the key dropped.
        await kit.Cluster.KillSiloAsync(silos[2]);
        kit.JournalOf[3] = kit.JournalOf[2];
        var restarted = await kit.StartSiloAsync();
        Assert.True(Replicator(restarted).IsDropped(key));
        Assert.Equal(1, Replicator(restarted).KeyCount);

        // Written again after the drop: the dots go on after the dropped version, so every silo applies it.
        var dropped = Storage(silos[0]).GetVersion("s", grain).Context;
        var again = new GrainState<Profile>(new Profile { Name = "back" });
        await Storage(silos[0]).WriteStateAsync("s", grain, again, ct);
        Assert.True(Storage(silos[0]).GetVersion("s", grain).Context.Includes(dropped));
        var live = new[] { silos[0], silos[1], restarted };
        await WaitUntilAsync(() => live.All(s => Storage(s).GetVersion("s", grain).ToString() == Storage(silos[0]).GetVersion("s", grain).ToString()), "the new write reaches every silo");
        foreach (var silo in live)
        {
            var read = new GrainState<Profile>(new Profile());
            await Storage(silo).ReadStateAsync("s", grain, read, ct);
            Assert.Equal(("back", again.ETag), (read.State.Name, read.ETag));
        }
    }

    [Fact]
    public async Task ClearedState_IsKeptWhileAPeerHasNotSeenTheClear_AndAnOlderCopyDoesNotComeBack()
    {
        await using var kit = await StartAsync(3);
        var silos = kit.Cluster.Silos;
        var ct = TestContext.Current.CancellationToken;
        var grain = NewGrain();
        var key = KeyOf(silos[0], grain);
        var state = new GrainState<Profile>(new Profile { Name = "old copy" });
        await Storage(silos[0]).WriteStateAsync("s", grain, state, ct);
        await WaitUntilAsync(() => silos.All(s => Replicator(s).KeyCount == 1), "the state reaches every silo");
        kit.Isolate(silos[2]);

        await Storage(silos[0]).ClearStateAsync("s", grain, state, ct);

        // Silo 2 still holds the old copy: nobody may drop the key (2 s is ten anti-entropy rounds).
        await Task.Delay(2000, ct);
        Assert.All(silos, s => Assert.False(Replicator(s).IsDropped(key)));
        var atSilo2 = new GrainState<Profile>(new Profile());
        await Storage(silos[2]).ReadStateAsync("s", grain, atSilo2, ct);
        Assert.Equal("old copy", atSilo2.State.Name);

        kit.HealAll();
        await WaitUntilAsync(() => silos.All(s => Replicator(s).IsDropped(key)), "every silo drops the key once silo 2 has the clear");
        Assert.All(silos, s => Assert.Equal(0, Replicator(s).KeyCount));
        var read = new GrainState<Profile>(new Profile());
        await Storage(silos[2]).ReadStateAsync("s", grain, read, ct);
        Assert.False(read.RecordExists);
    }
}
