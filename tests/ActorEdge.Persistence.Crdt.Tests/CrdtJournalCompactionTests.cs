using ActorEdge.Crdt;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>The journal stays bounded while the silo runs, and a restart from a compacted journal restores the exact state.</summary>
public sealed class CrdtJournalCompactionTests
{
    private const long CompactionBytes = 16 * 1024;

    [Fact]
    public async Task ManyUpdates_KeepTheJournalBounded_AndARestartRestoresTheExactState()
    {
        await using var kit = await StartAsync(1, o => o.JournalCompactionBytes = CompactionBytes, withJournal: _ => true);
        var silo = kit.Cluster.Silos[0];
        var ct = TestContext.Current.CancellationToken;
        var journal = Path.Combine(kit.JournalOf[0], "replicas.journal");
        var grains = Enumerable.Range(0, 10).Select(i => new GrainId("crdt-compaction", $"g{i}-{Guid.NewGuid():N}")).ToList();
        var states = grains.Select(_ => new GrainState<Profile>(new Profile())).ToList();
        var expected = new ulong[grains.Count];
        long largest = 0;

        for (var n = 0; n < 3000; n++)
        {
            var i = n % grains.Count;
            if (n / grains.Count % 2 == 0)
            {
                await State<GCounter>(silo, grains[i]).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, (ulong)n));
                expected[i] += (ulong)n;
            }
            else
            {
                states[i].State = new Profile { Name = new string('x', 200) + n, Visits = n };
                await Storage(silo).WriteStateAsync("p", grains[i], states[i], ct);
            }
            largest = Math.Max(largest, new FileInfo(journal).Length);
        }

        // Without compaction the journal would hold 3000 records (~450 KB); the live state is ~4 KB.
        // A compaction follows the group commit that crossed the size, so one record may stick out.
        var compactions = Replicator(silo).JournalCompactions;
        Assert.InRange(largest, 0, CompactionBytes + 1024);
        Assert.InRange(compactions, 20, 3000);
        var versions = grains.Select(g => (Storage(silo).GetVersion("s", g).ToString(), Storage(silo).GetVersion("p", g).ToString())).ToList();
        var replicaId = Replicator(silo).ReplicaId;

        await kit.Cluster.KillSiloAsync(silo);
        kit.JournalOf[1] = kit.JournalOf[0];
        var restarted = await kit.StartSiloAsync();

        Assert.Equal(replicaId, Replicator(restarted).ReplicaId);
        for (var i = 0; i < grains.Count; i++)
        {
            Assert.Equal(expected[i], State<GCounter>(restarted, grains[i]).Value.Value);
            var read = new GrainState<Profile>(new Profile());
            await Storage(restarted).ReadStateAsync("p", grains[i], read, ct);
            Assert.Equal((states[i].State.Name, states[i].State.Visits, states[i].ETag), (read.State.Name, read.State.Visits, read.ETag));
            Assert.Equal(versions[i], (Storage(restarted).GetVersion("s", grains[i]).ToString(), Storage(restarted).GetVersion("p", grains[i]).ToString()));
        }
        Assert.Equal(150, (long)Storage(restarted).GetVersion("s", grains[0]).Context.VersionVector[replicaId]);

        // The dots go on from the snapshot: the next update is the 151st of that key.
        await State<GCounter>(restarted, grains[0]).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 1));
        Assert.Equal($"{{{replicaId}:1..151}}", Storage(restarted).GetVersion("s", grains[0]).ToString());
    }

    [Fact]
    public async Task Compaction_CrashBeforeTheRename_LeavesTheOldJournalWhole()
    {
        await using var kit = await StartAsync(1, withJournal: _ => true);
        var silo = kit.Cluster.Silos[0];
        var grain = new GrainId("crdt-compaction", Guid.NewGuid().ToString("N"));
        for (var n = 0; n < 5; n++)
        {
            await State<PNCounter>(silo, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 7));
        }
        await kit.Cluster.KillSiloAsync(silo);
        // A compaction that died while writing its snapshot leaves a torn temporary file beside the journal.
        await File.WriteAllBytesAsync(Path.Combine(kit.JournalOf[0], "replicas.journal.tmp"), [1, 2, 3, 4, 5, 6, 7, 8, 9], TestContext.Current.CancellationToken);
        kit.JournalOf[1] = kit.JournalOf[0];

        var restarted = await kit.StartSiloAsync();
        await Replicator(restarted).CompactJournalAsync();

        Assert.Equal(35, State<PNCounter>(restarted, grain).Value.Value);
        Assert.Equal(1, Replicator(restarted).JournalCompactions);
        Assert.False(File.Exists(Path.Combine(kit.JournalOf[0], "replicas.journal.tmp")));
    }
}
