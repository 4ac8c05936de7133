using FsCheck;
using FsCheck.Fluent;

namespace ActorEdge.Crdt.Tests;

/// <summary>
/// Change tracking (<see cref="IRevertibleCrdt"/>): rejecting undoes exactly what was done since
/// <see cref="IRevertibleCrdt.TrackChanges"/>, accepting keeps it, and the indexes that make
/// updates cheap stay in step with the entries either way.
/// </summary>
public sealed class RevertibleCrdtTests
{
    [Fact]
    public void GCounter_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<GCounter>((s, r, arg, _) => s.Increment(r, (ulong)arg), static s => s.ToString());

    [Fact]
    public void PNCounter_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<PNCounter>((s, r, arg, _) => s.Increment(r, arg - 3), static s => s.ToString());

    [Fact]
    public void LwwRegister_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<LwwRegister<string>>((s, r, arg, clock) => arg == 0 ? s.Clear(clock.Now(), r) : s.Assign($"v{arg}", clock.Now(), r), static s => s.ToString());

    [Fact]
    public void MVRegister_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<MVRegister<string>>((s, r, arg, _) => arg == 0 ? s.Clear() : s.Write(r, $"v{arg}"), static s => $"{s} {s.Context}");

    [Fact]
    public void ORSet_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<ORSet<string>>(
            (s, r, arg, _) => arg == 5 ? s.Clear() : arg % 2 == 0 ? s.Add(r, $"e{arg / 2}") : s.Remove($"e{arg / 2}"),
            static s => $"{s} {s.Context} {s.Contains("e0")} {s.Contains("e1")} {s.Contains("e2")}");

    [Fact]
    public void ORMap_OfPNCounters_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<ORMap<string, PNCounter>>((s, r, arg, _) => arg switch
        {
            < 2 => s.Update(r, $"k{arg}", v => v.Increment(r, 2)),
            < 4 => s.Update(r, $"k{arg - 2}", v => v.Increment(r, -1)),
            _ => s.Remove($"k{arg - 4}"),
        }, static s => $"{s} {s.Context} {s.ContainsKey("k0")} {s.ContainsKey("k1")} {Value(s, "k0")} {Value(s, "k1")}");

    [Fact]
    public void ORMap_OfSets_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<ORMap<int, ORSet<string>>>((s, r, arg, _) => arg switch
        {
            < 2 => s.Update(r, arg, v => v.Add(r, $"x{arg}")),
            < 4 => s.Update(r, arg - 2, v => v.Remove($"x{arg - 2}")),
            _ => s.Remove(arg - 4),
        }, static s => $"{s} {s.Context} {s.ContainsKey(0)} {s.ContainsKey(1)}");

    [Fact]
    public void ORMap_OfAValueThatDoesNotTrackChanges_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<ORMap<string, MaxValue>>(
            (s, r, arg, _) => arg < 4 ? s.Update(r, $"k{arg % 2}", v => v.Raise((ulong)arg + 1)) : s.Remove($"k{arg - 4}"),
            static s => $"{s} {s.Context} {s.ContainsKey("k0")} {s.ContainsKey("k1")}");

    [Fact]
    public void LwwMap_RejectedChanges_LeaveNoTrace() =>
        CheckRevert<LwwMap<string, int>>((s, r, arg, clock) => arg < 3 ? s.Set($"k{arg}", arg, clock.Now(), r) : s.Remove($"k{arg - 3}", clock.Now(), r), static s => s.ToString());

    [Fact]
    public void ORMap_MutatorUpdatesSeveralKeysThenRejects_StateKeysAndNestedValuesAreAsBefore()
    {
        var map = new ORMap<string, PNCounter>();
        map.Update("a", "old", c => c.Increment("a", 5));
        map.Update("b", "old", c => c.Increment("b", 1));
        map.Update("a", "gone", c => c.Increment("a", 2));
        map.Remove("gone");
        var before = LatticeHarness.Bytes(map);

        map.TrackChanges();
        map.Update("a", "old", c => c.Increment("a", -9));
        map.Update("a", "new", c => c.Increment("a", 3));
        map.Update("a", "gone", c => c.Increment("a", 1));
        map.Remove("old");
        var remote = new ORMap<string, PNCounter>();
        map.Merge(remote.Update("c", "remote", c => c.Increment("c", 4)));
        Assert.Throws<InvalidOperationException>(() => map.Update("a", "thrown", _ => throw new InvalidOperationException("refused")));
        Assert.True(map.ContainsKey("remote"));
        map.RejectChanges();

        Assert.Equal(before, LatticeHarness.Bytes(map));
        Assert.Equal(["old"], map.Keys);
        Assert.True(map.TryGetValue("old", out var old));
        Assert.Equal(6, old.Value);
        Assert.False(map.ContainsKey("new"));
        Assert.False(map.ContainsKey("gone"));
        Assert.False(map.ContainsKey("remote"));
        Assert.False(map.ContainsKey("thrown"));
        Assert.Equal("{a:1..2, b:1..1}", map.Context.ToString());

        // The next update continues from the state before: the dot the rejected updates used is used again.
        var delta = map.Update("a", "new", c => c.Increment("a", 1));
        Assert.Equal("{a:3}", delta.Context.ToString());
    }

    [Fact]
    public void ORSet_AcceptedChanges_AreKept_AndTheNextSessionUndoesOnlyItsOwn()
    {
        var set = new ORSet<string>();
        set.Add("a", "x");
        set.TrackChanges();
        set.Add("a", "y");
        set.Remove("x");
        set.AcceptChanges();
        var accepted = LatticeHarness.Bytes(set);

        set.TrackChanges();
        set.Clear();
        set.Add("b", "z");
        set.RejectChanges();

        Assert.Equal(accepted, LatticeHarness.Bytes(set));
        Assert.Equal(["y"], set.Elements);
        Assert.True(set.Contains("y"));
        Assert.False(set.Contains("x"));
        Assert.False(set.Contains("z"));
    }

    [Fact]
    public void TrackChanges_WhileTracking_Throws_AndAcceptOrRejectWithoutTracking_Throws()
    {
        var set = new ORSet<string>();
        Assert.Throws<InvalidOperationException>(set.AcceptChanges);
        Assert.Throws<InvalidOperationException>(set.RejectChanges);
        set.TrackChanges();
        Assert.Throws<InvalidOperationException>(set.TrackChanges);
        set.AcceptChanges();
        Assert.Throws<InvalidOperationException>(set.AcceptChanges);
        var register = new LwwRegister<string>();
        Assert.Throws<InvalidOperationException>(register.RejectChanges);
        register.TrackChanges();
        Assert.Throws<InvalidOperationException>(register.TrackChanges);
    }

    [Fact]
    public void CausalContext_RejectedDotsThatCompactedTheCloud_GiveTheCloudBack()
    {
        var context = new CausalContext();
        context.Add(new Dot("a", 1));
        context.Add(new Dot("a", 3));
        context.Add(new Dot("a", 5));
        context.Add(new Dot("b", 2));

        context.TrackChanges();
        context.Add(new Dot("a", 2));
        Assert.Equal("{a:1..3, a:5, b:2}", context.ToString());
        var other = new CausalContext();
        other.Add(new Dot("a", 1));
        other.Add(new Dot("a", 2));
        other.Add(new Dot("a", 3));
        other.Add(new Dot("a", 4));
        other.Add(new Dot("b", 1));
        other.Add(new Dot("c", 7));
        context.Merge(other);
        Assert.Equal("{a:1..5, b:1..2, c:7}", context.ToString());
        context.RejectChanges();

        Assert.Equal("{a:1..1, a:3, a:5, b:2}", context.ToString());
        Assert.Equal(new Dot("a", 6), context.NextDot("a"));
    }

    [Fact]
    public void ORSet_MergeOfARemoval_RemovesTheSameEntries_WhetherItsContextOrTheEntriesAreWalked()
    {
        // A removal whose context covers 1..10 of b: a state with 10 entries walks the context, one with 2 the entries.
        var remote = new ORSet<string>();
        var adds = Enumerable.Range(0, 10).Select(i => remote.Add("b", $"e{i}")).ToList();
        var many = new ORSet<string>();
        adds.ForEach(many.Merge);
        var few = new ORSet<string>();
        few.Merge(adds[3]);
        few.Merge(adds[7]);
        few.Add("a", "mine");
        var clear = remote.Clear();
        Assert.Equal("{b:1..10}", clear.Context.ToString());

        many.Merge(clear);
        few.Merge(clear);

        Assert.Empty(many.Elements);
        Assert.Equal(["mine"], few.Elements);
        Assert.False(few.Contains("e3"));
        Assert.Equal("{a:1..1, b:1..10}", few.Context.ToString());
    }

    private static string Value(ORMap<string, PNCounter> map, string key) => map.TryGetValue(key, out var value) ? value.ToString() : "-";

    /// <summary>
    /// Runs a random script (mutate at one of three replicas, merge another replica's state, merge a
    /// delta group) where each step first runs, together with up to two more random steps, inside a
    /// rejected session, which must leave the state byte for byte (and as <paramref name="observe"/>
    /// sees it) as it was; then the step runs for real inside an accepted session. After every step
    /// what <paramref name="observe"/> sees matches a copy decoded from the bytes (indexes rebuilt).
    /// </summary>
    private static void CheckRevert<T>(Mutator<T> mutate, Func<T, string> observe) where T : class, ICrdt<T>, IRevertibleCrdt =>
        Prop.ForAll<int[]>(script => Check(script ?? [], mutate, observe)).QuickCheckThrowOnFailure();

    private static bool Check<T>(int[] script, Mutator<T> mutate, Func<T, string> observe) where T : class, ICrdt<T>, IRevertibleCrdt
    {
        string[] replicas = ["a", "b", "c"];
        var time = new StepTime();
        var states = new T[3];
        var clocks = new HybridLogicalClock[3];
        for (var i = 0; i < 3; i++)
        {
            states[i] = T.CreateEmpty();
            clocks[i] = new HybridLogicalClock(time);
        }
        var deltas = new List<T>();
        var steps = script.Take(30).ToArray();
        for (var s = 0; s < steps.Length; s++)
        {
            var u = (uint)steps[s];
            var r = (int)(u % 3);
            var state = states[r];
            var bytes = LatticeHarness.Bytes(state);
            var seen = observe(state);

            state.TrackChanges();
            Run(u);
            for (var extra = 0; extra < (int)(u / 288 % 3); extra++)
            {
                Run((uint)steps[(s + extra + 1) % steps.Length] / 3 * 3 + (uint)r);
            }
            state.RejectChanges();
            if (!LatticeHarness.Bytes(state).AsSpan().SequenceEqual(bytes) || observe(state) != seen)
            {
                throw new InvalidOperationException($"a rejected session left {state}, not {seen}.");
            }
            Consistent(state);

            state.TrackChanges();
            var delta = Run(u);
            state.AcceptChanges();
            if (delta is not null)
            {
                deltas.Add(delta);
            }
            Consistent(state);
        }
        return true;

        T? Run(uint u)
        {
            var r = (int)(u % 3);
            var arg = (int)(u / 12 % 6);
            if (u / 72 % 3 == 0)
            {
                time.Milliseconds++;
            }
            switch (u / 3 % 4)
            {
                case 0 or 1:
                    return mutate(states[r], replicas[r], arg, clocks[r]);
                case 2:
                    states[r].Merge(states[(r + 1 + arg % 2) % 3]);
                    return null;
                default:
                    if (deltas.Count > 0)
                    {
                        var group = T.CreateEmpty();
                        for (var i = arg % deltas.Count; i < deltas.Count; i += 2)
                        {
                            group.Merge(CrdtSerializer.Deserialize<T>(LatticeHarness.Bytes(deltas[i])));
                        }
                        states[r].Merge(group);
                    }
                    return null;
            }
        }

        void Consistent(T state)
        {
            var decoded = CrdtSerializer.Deserialize<T>(LatticeHarness.Bytes(state));
            if (observe(decoded) != observe(state))
            {
                throw new InvalidOperationException($"the state reads as {observe(state)}, its decoded copy as {observe(decoded)}.");
            }
        }
    }
}
