using ActorEdge.Crdt;
using ActorEdge.TestingHost;
using static ActorEdge.Persistence.Crdt.Tests.CrdtClusterKit;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>
/// A refused local update (its mutator throws, or its delta is larger than one message) changes
/// nothing: state, version and sequence stay, no key appears. Built-in types undo only what the
/// mutator touched; a registered type that does not track its changes is copied before the update.
/// </summary>
public sealed class CrdtRefusedUpdateTests
{
    private static GrainId NewGrain() => new("crdt-test", Guid.NewGuid().ToString("N"));

    private static byte[] Bytes<T>(SiloHandle silo, GrainId grain) where T : class, ICrdt<T> => CrdtSerializer.SerializeToArray(State<T>(silo, grain).Value);

    [Fact]
    public async Task Update_OfAMapWhoseMutatorChangesSeveralKeysThenThrows_ChangesNothing()
    {
        await using var kit = await StartAsync(1);
        var silo = kit.Cluster.Silos[0];
        var grain = NewGrain();
        var map = State<ORMap<string, PNCounter>>(silo, grain);
        await map.UpdateAsync((m, ctx) => m.Update(ctx.ReplicaId, "k0", c => c.Increment(ctx.ReplicaId, 5)));
        await map.UpdateAsync((m, ctx) => m.Update(ctx.ReplicaId, "k1", c => c.Increment(ctx.ReplicaId, 1)));
        var (bytes, version) = (Bytes<ORMap<string, PNCounter>>(silo, grain), map.Version.ToString());

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => map.UpdateAsync((m, ctx) =>
        {
            m.Update(ctx.ReplicaId, "k0", c => c.Increment(ctx.ReplicaId, -9));
            m.Update(ctx.ReplicaId, "k2", c => c.Increment(ctx.ReplicaId, 3));
            m.Remove("k1");
            throw new InvalidOperationException("the mutator gives up");
        }));

        Assert.Equal("the mutator gives up", thrown.Message);
        Assert.Equal(bytes, Bytes<ORMap<string, PNCounter>>(silo, grain));
        Assert.Equal(version, map.Version.ToString());
        Assert.Equal(2ul, Replicator(silo).LocalSequence);
        var value = map.Value;
        Assert.Equal(["k0", "k1"], value.Keys);
        Assert.True(value.TryGetValue("k0", out var k0));
        Assert.Equal(5, k0.Value);

        // The next update continues from there: the third update, with the next dot.
        await map.UpdateAsync((m, ctx) => m.Update(ctx.ReplicaId, "k2", c => c.Increment(ctx.ReplicaId, 1)));
        Assert.Equal(3ul, Replicator(silo).LocalSequence);
        Assert.Equal(["k0", "k1", "k2"], map.Value.Keys);
        Assert.Equal(3ul, map.Version.Context.VersionVector[Replicator(silo).ReplicaId]);
    }

    [Fact]
    public async Task Update_OfAMapWhoseDeltaIsLargerThanOneMessage_IsRefused_AndItsNestedValueIsAsBefore()
    {
        await using var kit = await StartAsync(1, o => o.MaxBatchBytes = 200_000, messaging: o => o.MaxMessageSize = 256 * 1024);
        var silo = kit.Cluster.Silos[0];
        var grain = NewGrain();
        var map = State<ORMap<string, PNCounter>>(silo, grain);
        await map.UpdateAsync((m, ctx) => m.Update(ctx.ReplicaId, "k0", c => c.Increment(ctx.ReplicaId, 5)));
        var (bytes, version) = (Bytes<ORMap<string, PNCounter>>(silo, grain), map.Version.ToString());

        // 1 500 new keys of 200 bytes: a delta of well over the 240 KiB one message carries.
        await Assert.ThrowsAsync<CrdtStorageException>(() => map.UpdateAsync((m, ctx) =>
        {
            var delta = m.Update(ctx.ReplicaId, "k0", c => c.Increment(ctx.ReplicaId, 100));
            for (var i = 0; i < 1_500; i++)
            {
                delta.Merge(m.Update(ctx.ReplicaId, $"key-{i:D6}".PadRight(200, 'x'), c => c.Increment(ctx.ReplicaId, 1)));
            }
            return delta;
        }));

        Assert.Equal(bytes, Bytes<ORMap<string, PNCounter>>(silo, grain));
        Assert.Equal(version, map.Version.ToString());
        Assert.Equal(1ul, Replicator(silo).LocalSequence);
        Assert.Equal(["k0"], map.Value.Keys);
        Assert.True(map.Value.TryGetValue("k0", out var k0));
        Assert.Equal(5, k0.Value);
        await map.UpdateAsync((m, ctx) => m.Update(ctx.ReplicaId, "k0", c => c.Increment(ctx.ReplicaId, 1)));
        Assert.True(map.Value.TryGetValue("k0", out var after));
        Assert.Equal(6, after.Value);
        Assert.Equal(2ul, Replicator(silo).LocalSequence);
    }

    [Fact]
    public async Task Update_OfARegisteredTypeThatDoesNotTrackChanges_ThatThrows_ChangesNothing_NotEvenANewKey()
    {
        await using var kit = await StartAsync(1, o => o.RegisterType<MaxValue>("test:max"));
        var silo = kit.Cluster.Silos[0];
        var (grain, fresh) = (NewGrain(), NewGrain());
        var state = State<MaxValue>(silo, grain);
        await state.UpdateAsync((m, _) => m.Raise(7));
        var version = state.Version.ToString();

        await Assert.ThrowsAsync<InvalidOperationException>(() => state.UpdateAsync((m, _) =>
        {
            m.Raise(50);
            throw new InvalidOperationException("refused");
        }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => State<MaxValue>(silo, fresh).UpdateAsync((m, _) =>
        {
            m.Raise(9);
            throw new InvalidOperationException("refused");
        }));

        Assert.Equal(7ul, state.Value.Value);
        Assert.Equal(version, state.Version.ToString());
        Assert.Equal(1ul, Replicator(silo).LocalSequence);
        Assert.True(Storage(silo).GetVersion("s", fresh).Context.IsEmpty);
        Assert.False(Replicator(silo).TryRead<MaxValue>(((CrdtGrainStorage)Storage(silo)).KeyOf("s", fresh), out _, out _));
        await state.UpdateAsync((m, _) => m.Raise(8));
        Assert.Equal(8ul, state.Value.Value);
    }
}
