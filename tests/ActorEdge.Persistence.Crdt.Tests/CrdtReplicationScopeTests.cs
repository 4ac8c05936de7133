using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary><see cref="CrdtReplicationOptions.ReplicationScope"/>: only the silos in scope hold replicas.</summary>
public sealed class CrdtReplicationScopeTests
{
    [Fact]
    public async Task SiloOutsideTheScope_ReceivesNothing_WhileTheScopedSilosReplicate()
    {
        var scope = new HashSet<SiloAddress>();
        await using var kit = await StartAsync(3, o => o.ReplicationScope = silo =>
        {
            lock (scope)
            {
                return scope.Contains(silo);
            }
        });
        var (s0, s1, outside) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1], kit.Cluster.Silos[2]);
        lock (scope)
        {
            scope.Add(s0.Address);
            scope.Add(s1.Address);
        }
        var grain = new GrainId("crdt-scope", Guid.NewGuid().ToString("N"));
        await WaitUntilAsync(() => Replicator(s0).Peers.SequenceEqual([s1.Address]) && Replicator(s1).Peers.SequenceEqual([s0.Address]), "the two scoped silos replicate with each other only");

        await State<GCounter>(s0, grain, "in").UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 5));
        await State<GCounter>(s1, grain, "in").UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 7));
        await State<GCounter>(outside, grain, "out").UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 100));
        await WaitUntilAsync(() => State<GCounter>(s0, grain, "in").Value.Value == 12 && State<GCounter>(s1, grain, "in").Value.Value == 12, "the scoped silos converge");

        // Ten anti-entropy rounds: nothing reaches the silo outside, nothing leaves it.
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Assert.Empty(Replicator(outside).Peers);
        Assert.Equal(0ul, State<GCounter>(outside, grain, "in").Value.Value);
        Assert.True(Storage(outside).GetVersion("in", grain).Context.IsEmpty);
        Assert.Equal(1, Replicator(outside).KeyCount);
        Assert.Equal(0, Replicator(outside).Stats.DeltaBytesSent + Replicator(outside).Stats.FullBytesSent + Replicator(outside).Stats.DigestBytesSent);
        Assert.All(new[] { s0, s1 }, s => Assert.Equal(0ul, State<GCounter>(s, grain, "out").Value.Value));
        Assert.All(new[] { s0, s1 }, s => Assert.Equal(1, Replicator(s).KeyCount));
    }

    [Fact]
    public async Task ReplicationRequest_FromASiloOutsideTheReceiversScope_IsRefused()
    {
        var excluded = new HashSet<SiloAddress>();
        await using var kit = await StartAsync(2, o => o.ReplicationScope = silo =>
        {
            lock (excluded)
            {
                return !excluded.Contains(silo);
            }
        });
        var (s0, s1) = (kit.Cluster.Silos[0], kit.Cluster.Silos[1]);
        var grain = new GrainId("crdt-scope", Guid.NewGuid().ToString("N"));

        // Silo 1 alone takes silo 0 out of scope (scopes that differ, as during a rolling change).
        var receiver = Replicator(s1);
        var refusal = await Assert.ThrowsAsync<CrdtStorageException>(async () =>
        {
            lock (excluded)
            {
                excluded.Add(s0.Address);
            }
            try
            {
                await receiver.HandleAsync(s0.Address, ReplicationCodec.MethodDigest, ReadOnlyMemory<byte>.Empty, TestContext.Current.CancellationToken);
            }
            finally
            {
                lock (excluded)
                {
                    excluded.Clear();
                }
            }
        });
        Assert.Contains("outside the replication scope", refusal.Message, StringComparison.Ordinal);

        // In scope again: replication resumes.
        await State<GCounter>(s0, grain).UpdateAsync((c, ctx) => c.Increment(ctx.ReplicaId, 3));
        await WaitUntilAsync(() => State<GCounter>(s1, grain).Value.Value == 3, "the update reaches silo 1");
    }
}
