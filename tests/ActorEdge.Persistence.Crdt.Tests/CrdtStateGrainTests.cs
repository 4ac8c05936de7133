using ActorEdge.Crdt;
using ActorEdge.Placement;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>Updates a tally (a counter and a set of tags) shared by every tally grain, through <see cref="ICrdtStateFactory"/>.</summary>
public interface ITallyGrain : IGrainWithStringKey
{
    Task Add(string tally, int amount);

    Task Tag(string tally, string tag);

    Task Untag(string tally, string tag);

    Task<long> Total(string tally);

    Task<string[]> Tags(string tally);

    Task<string> Silo();
}

/// <summary>Placed on the silo of its first caller, so writers on every silo update the same CRDT state concurrently.</summary>
[PreferLocalPlacement]
public sealed class TallyGrain(ICrdtStateFactory states, ILocalSiloDetails silo) : Grain, ITallyGrain
{
    public Task Add(string tally, int amount) => Counter(tally).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, amount));

    public Task Tag(string tally, string tag) => TagSet(tally).UpdateAsync((s, ctx) => s.Add(ctx.ReplicaId, tag));

    public Task Untag(string tally, string tag) => TagSet(tally).UpdateAsync((s, _) => s.Remove(tag));

    public Task<long> Total(string tally) => Task.FromResult(Counter(tally).Read(c => c.Value));

    public Task<string[]> Tags(string tally) => Task.FromResult(TagSet(tally).Read(s => s.Elements.ToArray()));

    public Task<string> Silo() => Task.FromResult(silo.SiloAddress.ToString());

    private ICrdtState<PNCounter> Counter(string tally) => states.Get<PNCounter>(new GrainId("tally", tally), "count", "crdt");

    private ICrdtState<ORSet<string>> TagSet(string tally) => states.Get<ORSet<string>>(new GrainId("tally", tally), "tags", "crdt");
}

public sealed class CrdtStateGrainTests
{
    [Fact]
    public async Task GrainsOnThreeSilos_UpdatingOneCrdtStateConcurrently_ConvergeToTheExactValueOnEverySilo()
    {
        await using var kit = await StartAsync(3);
        var silos = kit.Cluster.Silos;
        var tally = Guid.NewGuid().ToString("N");
        var writers = new List<ITallyGrain>();
        for (var i = 0; i < silos.Count; i++)
        {
            for (var w = 0; w < 2; w++)
            {
                var writer = silos[i].GrainFactory.GetGrain<ITallyGrain>($"writer-{i}-{w}-{tally}");
                Assert.Equal(silos[i].Address.ToString(), await writer.Silo());
                writers.Add(writer);
            }
        }

        // Writer j adds j+1 forty times and takes 1 away ten times; it tags ten elements and untags the even ones.
        await Task.WhenAll(writers.Select((writer, j) => Task.Run(async () =>
        {
            for (var n = 0; n < 40; n++)
            {
                await writer.Add(tally, j + 1);
                if (n % 4 == 3)
                {
                    await writer.Add(tally, -1);
                }
                if (n < 10)
                {
                    await writer.Tag(tally, $"w{j}-t{n}");
                }
            }
            for (var n = 0; n < 10; n += 2)
            {
                await writer.Untag(tally, $"w{j}-t{n}");
            }
        })));

        var expectedTotal = Enumerable.Range(0, writers.Count).Sum(j => (40L * (j + 1)) - 10);
        var expectedTags = Enumerable.Range(0, writers.Count).SelectMany(j => Enumerable.Range(0, 10).Where(n => n % 2 == 1).Select(n => $"w{j}-t{n}")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(780, expectedTotal);
        Assert.Equal(30, expectedTags.Length);
        for (var i = 0; i < silos.Count; i++)
        {
            var reader = silos[i].GrainFactory.GetGrain<ITallyGrain>($"reader-{i}-{tally}");
            Assert.Equal(silos[i].Address.ToString(), await reader.Silo());
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (await reader.Total(tally) != expectedTotal || !(await reader.Tags(tally)).Order(StringComparer.Ordinal).SequenceEqual(expectedTags))
            {
                Assert.True(DateTime.UtcNow < deadline, $"silo {i} did not converge within 20 s: total {await reader.Total(tally)}, {(await reader.Tags(tally)).Length} tags");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        // Every replica holds the same version: per silo two writers made 40 + 10 counter updates and 10 + 5 tag updates each.
        var key = new GrainId("tally", tally);
        foreach (var silo in silos)
        {
            var counter = Storage(silo).GetVersion("count", key).Context;
            var tags = Storage(silo).GetVersion("tags", key).Context;
            Assert.Equal(silos.Select(s => (Replicator(s).ReplicaId, 100ul)).Order(), counter.VersionVector.Select(p => (p.Key, p.Value)).Order());
            Assert.Equal(silos.Select(s => (Replicator(s).ReplicaId, 30ul)).Order(), tags.VersionVector.Select(p => (p.Key, p.Value)).Order());
        }
    }
}
