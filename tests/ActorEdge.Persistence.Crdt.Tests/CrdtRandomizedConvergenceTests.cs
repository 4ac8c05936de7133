using ActorEdge.Crdt;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>
/// Three silos take a seeded random mix of register assignments and set adds while their links
/// pause, resume, are cut and heal, so batches form in every shape (dot-only deltas among them);
/// once every link is back, every replica holds exactly what was written.
/// </summary>
public sealed class CrdtRandomizedConvergenceTests
{
    [Theory]
    [InlineData(6)]
    [InlineData(61)]
    public async Task RandomWritesUnderPausesAndCuts_ConvergeToTheLatestAssignmentAndEveryAdd(int seed)
    {
        // Deltas only (anti-entropy paused): the resends of the links must deliver everything.
        await using var kit = await StartAsync(3, withJournal: i => i == 2);
        var silos = kit.Cluster.Silos;
        await kit.BootstrapThenPauseAntiEntropyAsync();
        var random = new Random(seed);
        var registers = Enumerable.Range(0, 3).Select(i => new GrainId("crdt-random", $"{seed}-register-{i}")).ToArray();
        var set = new GrainId("crdt-random", $"{seed}-set");
        // Per register, the winning assignment so far: (timestamp, replica, value).
        var latest = new (HlcTimestamp Timestamp, string Replica, string Value)[registers.Length];
        var added = new SortedSet<string>(StringComparer.Ordinal);
        var dotOnlyBefore = silos.Sum(s => Replicator(s).Stats.DotOnlySent);

        for (var op = 0; op < 300; op++)
        {
            var silo = silos[random.Next(silos.Count)];
            var roll = random.Next(100);
            if (roll < 55)
            {
                var r = random.Next(registers.Length);
                var value = $"{op}@{silo.Index}";
                var assigned = (HlcTimestamp.Zero, string.Empty);
                await State<LwwRegister<string>>(silo, registers[r]).UpdateAsync((register, ctx) =>
                {
                    assigned = (ctx.Now(), ctx.ReplicaId);
                    return register.Assign(value, assigned.Item1, assigned.Item2);
                });
                if ((assigned.Item1, assigned.Item2).CompareTo((latest[r].Timestamp, latest[r].Replica ?? string.Empty)) > 0)
                {
                    latest[r] = (assigned.Item1, assigned.Item2, value);
                }
            }
            else if (roll < 75)
            {
                var element = $"e{op:D3}";
                await State<ORSet<string>>(silo, set).UpdateAsync((s, ctx) => s.Add(ctx.ReplicaId, element));
                added.Add(element);
            }
            else if (roll < 87)
            {
                Replicator(silo).DeltaLinksPaused = !Replicator(silo).DeltaLinksPaused;
            }
            else if (roll < 95)
            {
                var other = silos[(silo.Index + 1 + random.Next(silos.Count - 1)) % silos.Count];
                if (random.Next(2) == 0)
                {
                    kit.Cut(silo, other);
                }
                else
                {
                    kit.Heal(silo, other);
                }
            }
            else
            {
                await Task.Delay(random.Next(30), TestContext.Current.CancellationToken);
            }
        }

        kit.HealAll();
        foreach (var silo in silos)
        {
            Replicator(silo).DeltaLinksPaused = false;
        }
        await WaitUntilAsync(() => silos.All(a => silos.All(b => a == b || Replicator(b).DeliveredFrom(Replicator(a).ReplicaId) == Replicator(a).LocalSequence)),
            "every silo has delivered every other silo's deltas", seconds: 60);

        for (var r = 0; r < registers.Length; r++)
        {
            var expected = latest[r].Value;
            foreach (var silo in silos)
            {
                var state = State<LwwRegister<string>>(silo, registers[r]);
                Assert.Equal(expected, state.Read(register => register.Value));
                Assert.Equal(State<LwwRegister<string>>(silos[0], registers[r]).Version.ToString(), state.Version.ToString());
            }
        }
        foreach (var silo in silos)
        {
            Assert.Equal(added, State<ORSet<string>>(silo, set).Read(s => s.Elements.Order(StringComparer.Ordinal).ToArray()));
            Assert.Equal(State<ORSet<string>>(silos[0], set).Version.ToString(), State<ORSet<string>>(silo, set).Version.ToString());
        }
        // The mix made links send registers written several times in one batch as dots.
        Assert.True(silos.Sum(s => Replicator(s).Stats.DotOnlySent) > dotOnlyBefore, "no delta went as its dot alone: the run did not exercise coalescing");
    }
}
