namespace ActorEdge.Crdt.Tests;

/// <summary>Exact values after known histories.</summary>
public sealed class CrdtValueTests
{
    private static HlcTimestamp T(long ms, uint logical = 0) => new(ms, logical);

    [Fact]
    public void GCounter_IncrementsOnTwoReplicas_SumsAndIgnoresRedelivery()
    {
        var a = new GCounter();
        var b = new GCounter();
        var d1 = a.Increment("a", 3);
        var d2 = b.Increment("b", 4);
        b.Increment("b", 1);

        a.Merge(d2);
        a.Merge(d2);
        b.Merge(d1);

        Assert.Equal(7ul, a.Value);
        Assert.Equal(8ul, b.Value);
        a.Merge(b);
        Assert.Equal(8ul, a.Value);
        Assert.Equal(new Dictionary<string, ulong> { ["a"] = 3, ["b"] = 5 }, a.Counts);
    }

    [Fact]
    public void PNCounter_IncrementsAndDecrements_GivesDifference()
    {
        var a = new PNCounter();
        var b = new PNCounter();
        var up = a.Increment("a", 5);
        var down = b.Increment("b", -7);

        a.Merge(down);
        b.Merge(up);

        Assert.Equal(-2, a.Value);
        Assert.Equal(-2, b.Value);
    }

    [Fact]
    public void LwwRegister_LaterTimestampWins_TieGoesToGreaterReplica_ClearIsATombstone()
    {
        var a = new LwwRegister<string>();
        var b = new LwwRegister<string>();
        var fromB = b.Assign("b-first", T(10), "b");
        var fromA = a.Assign("a-same-time", T(10), "a");
        a.Merge(fromB);
        b.Merge(fromA);
        Assert.Equal("b-first", a.Value);
        Assert.Equal("b-first", b.Value);

        var later = a.Assign("a-later", T(10, 1), "a");
        b.Merge(later);
        Assert.Equal("a-later", b.Value);

        var clear = b.Clear(T(11), "b");
        a.Merge(clear);
        a.Merge(later);
        Assert.False(a.HasValue);
        Assert.Equal(T(11), a.Timestamp);
        Assert.Equal("b", a.Replica);
    }

    [Fact]
    public void LwwRegister_AWinningAssignmentOrClearIsTheWholeState_ALosingOneIsNot()
    {
        var register = new LwwRegister<byte[]>();
        var won = register.Assign([1, 2, 3], T(10), "a");
        Assert.True(register.IsWholeState(won));

        var lost = register.Assign([4], T(9), "a");
        Assert.Equal([1, 2, 3], register.Value);
        Assert.False(register.IsWholeState(lost));

        // An equal-timestamp tie lost to a greater replica is not the state either.
        var tie = register.Assign([5], T(10), "0");
        Assert.False(register.IsWholeState(tie));

        var cleared = register.Clear(T(11), "b");
        Assert.True(register.IsWholeState(cleared));
        Assert.False(register.IsWholeState(won));
    }

    [Fact]
    public void MVRegister_ConcurrentWritesKept_NextWriteReplacesBoth()
    {
        var a = new MVRegister<string>();
        var b = new MVRegister<string>();
        var da = a.Write("a", "x");
        var db = b.Write("b", "y");
        a.Merge(db);
        b.Merge(da);
        Assert.Equal(["x", "y"], a.Values);
        Assert.Equal(["x", "y"], b.Values);

        var resolve = b.Write("b", "z");
        a.Merge(resolve);
        Assert.Equal(["z"], a.Values);
    }

    [Fact]
    public void ORSet_ConcurrentAddAndRemove_AddWins_RemoveDeletesObservedOnly()
    {
        var a = new ORSet<string>();
        var b = new ORSet<string>();
        b.Merge(a.Add("a", "x"));
        b.Merge(a.Add("a", "y"));

        var remove = b.Remove("x");
        var readd = a.Add("a", "x");
        a.Merge(remove);
        b.Merge(readd);
        var removeY = b.Remove("y");
        a.Merge(removeY);

        Assert.Equal(["x"], a.Elements);
        Assert.Equal(["x"], b.Elements);
        Assert.Equal(new Dictionary<string, ulong> { ["a"] = 3 }, a.Context.VersionVector);
        Assert.Empty(a.Context.DotCloud);
    }

    [Fact]
    public void ORMap_ConcurrentUpdateAndRemove_KeyStays_ValuesJoin()
    {
        var a = new ORMap<string, GCounter>();
        var b = new ORMap<string, GCounter>();
        b.Merge(a.Update("a", "k", c => c.Increment("a", 2)));

        var remove = b.Remove("k");
        var update = a.Update("a", "k", c => c.Increment("a", 3));
        var other = b.Update("b", "j", c => c.Increment("b", 1));
        a.Merge(remove);
        a.Merge(other);
        b.Merge(update);

        Assert.Equal(["j", "k"], a.Keys);
        Assert.Equal(["j", "k"], b.Keys);
        Assert.True(a.TryGetValue("k", out var k));
        Assert.Equal(5ul, k.Value);

        var removeAll = a.Remove("k");
        b.Merge(removeAll);
        Assert.Equal(["j"], b.Keys);
        Assert.False(b.TryGetValue("k", out _));
    }

    [Fact]
    public void ORMap_UpdatesBySeveralReplicas_KeepOneDotEach_ARemoveThatSawThemAllRemovesTheKey()
    {
        var a = new ORMap<string, GCounter>();
        var b = new ORMap<string, GCounter>();
        var c = new ORMap<string, GCounter>();
        var deltas = new List<ORMap<string, GCounter>>();
        foreach (var (map, replica) in new[] { (a, "a"), (b, "b"), (c, "c"), (a, "a"), (b, "b") })
        {
            foreach (var delta in deltas)
            {
                map.Merge(delta);
            }
            deltas.Add(map.Update(replica, "k", v => v.Increment(replica)));
        }
        foreach (var delta in deltas)
        {
            a.Merge(delta);
            b.Merge(delta);
            c.Merge(delta);
        }
        Assert.Equal("{a:1..2, b:1..2, c:1..1}", c.Context.ToString());

        var remove = c.Remove("k");
        a.Merge(remove);
        b.Merge(remove);

        Assert.Empty(a.Keys);
        Assert.Empty(b.Keys);
        Assert.Empty(c.Keys);
        // The remove named the latest dot of each replica: their earlier dots were replaced by the replicas themselves.
        Assert.Equal("{c:1..1, a:2, b:2}", remove.Context.ToString());
        Assert.Empty(CrdtSerializer.Deserialize<ORMap<string, GCounter>>(CrdtSerializer.SerializeToArray(remove)).Keys);
        var resumed = a.Update("a", "k", v => v.Increment("a"));
        b.Merge(resumed);
        Assert.True(b.TryGetValue("k", out var value));
        Assert.Equal(6ul, value.Value);
    }

    [Fact]
    public void ORMap_UpdateConcurrentWithARemoveOfEveryReplicasDots_KeepsTheKey()
    {
        var a = new ORMap<string, GCounter>();
        var b = new ORMap<string, GCounter>();
        b.Merge(a.Update("a", "k", v => v.Increment("a", 2)));
        a.Merge(b.Update("b", "k", v => v.Increment("b", 3)));

        var remove = a.Remove("k");
        var update = b.Update("b", "k", v => v.Increment("b", 1));
        a.Merge(update);
        b.Merge(remove);

        Assert.Equal(["k"], a.Keys);
        Assert.Equal(["k"], b.Keys);
        Assert.True(b.TryGetValue("k", out var value));
        Assert.Equal(6ul, value.Value);
        Assert.Equal(CrdtSerializer.SerializeToArray(a), CrdtSerializer.SerializeToArray(b));
    }

    [Fact]
    public void ORMap_UpdateByAnotherReplica_DoesNotReplaceADotTheRemoverHasNotSeen()
    {
        var a = new ORMap<string, GCounter>();
        var b = new ORMap<string, GCounter>();
        var c = new ORMap<string, GCounter>();
        var fromA = a.Update("a", "k", v => v.Increment("a"));
        b.Merge(fromA);
        var fromB = b.Update("b", "k", v => v.Increment("b"));

        // c gets b's update before a's (deltas of different origins overtake each other) and removes k.
        c.Merge(fromB);
        var remove = c.Remove("k");
        c.Merge(fromA);
        b.Merge(remove);
        a.Merge(remove);
        a.Merge(fromB);

        // b's update named only b's dots, so a's addition, which c had not seen, survives c's remove everywhere.
        Assert.Equal(["k"], c.Keys);
        Assert.Equal(["k"], b.Keys);
        Assert.Equal(["k"], a.Keys);
        Assert.Equal(CrdtSerializer.SerializeToArray(a), CrdtSerializer.SerializeToArray(c));
        // Once c has seen a's addition too, its remove takes every dot.
        var removeAll = c.Remove("k");
        a.Merge(removeAll);
        Assert.Empty(a.Keys);
    }

    [Fact]
    public void LwwMap_SetAndRemove_LatestPerKeyWins()
    {
        var a = new LwwMap<string, int>();
        var b = new LwwMap<string, int>();
        var set1 = a.Set("k", 1, T(5), "a");
        var remove = b.Remove("k", T(6), "b");
        var setOld = b.Set("m", 9, T(4), "b");
        var setNew = a.Set("m", 10, T(7), "a");

        a.Merge(remove);
        a.Merge(setOld);
        b.Merge(setNew);
        b.Merge(set1);

        Assert.Equal(["m"], a.Keys);
        Assert.Equal(["m"], b.Keys);
        Assert.True(b.TryGetValue("m", out var m));
        Assert.Equal(10, m);
    }

    [Fact]
    public void CausalContext_OutOfOrderDots_CompactIntoTheVector()
    {
        var context = new CausalContext();
        context.Add(new Dot("a", 3));
        context.Add(new Dot("a", 1));
        Assert.Equal([new Dot("a", 3)], context.DotCloud);
        Assert.False(context.Contains(new Dot("a", 2)));

        context.Add(new Dot("a", 2));

        Assert.Equal(new Dictionary<string, ulong> { ["a"] = 3 }, context.VersionVector);
        Assert.Empty(context.DotCloud);
        Assert.Equal(new Dot("a", 4), context.NextDot("a"));
        var other = new CausalContext();
        other.Add(new Dot("a", 1));
        other.Add(new Dot("b", 2));
        Assert.False(context.Includes(other));
        Assert.Equal(new Dictionary<string, ulong> { ["b"] = 1 }, context.Missing(other));
        context.Merge(other);
        Assert.True(context.Includes(other));
        Assert.Equal("{a:1..3, b:2}", context.ToString());
    }

    [Fact]
    public void HybridLogicalClock_PhysicalClockStallsOrLags_ReadingsStillIncrease()
    {
        var time = new StepTime { Milliseconds = 100 };
        var clock = new HybridLogicalClock(time);

        var first = clock.Now();
        var second = clock.Now();
        clock.Observe(T(500, 7));
        var third = clock.Now();
        time.Milliseconds = 600;
        var fourth = clock.Now();

        Assert.Equal(T(100), first);
        Assert.Equal(T(100, 1), second);
        Assert.Equal(T(500, 8), third);
        Assert.Equal(T(600), fourth);
    }
}
