using FsCheck;
using FsCheck.Fluent;

namespace ActorEdge.Crdt.Tests;

/// <summary>A clock that moves only when told (so HLC readings collide across replicas).</summary>
internal sealed class StepTime : TimeProvider
{
    public long Milliseconds { get; set; } = 1_700_000_000_000;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds);
}

/// <summary>One mutation of a CRDT at a replica: mutates the state and returns the delta.</summary>
internal delegate T Mutator<T>(T state, string replica, int argument, HybridLogicalClock clock);

/// <summary>
/// Checks the lattice laws on states and deltas that a real history can produce: a script of
/// random operations (mutate at one of three replicas, merge another replica's state, merge a
/// delta group) runs, and every state, delta and delta group it produced is a test value.
/// States are compared by their canonical encoding; <c>describe</c>, when given, also compares
/// what the encoding leaves implicit (a causal context) after a round trip through bytes.
/// </summary>
internal static class LatticeHarness
{
    private static readonly string[] Replicas = ["a", "b", "c"];

    public static byte[] Bytes<T>(T value) where T : class, ICrdt<T> => CrdtSerializer.SerializeToArray(value);

    public static T Join<T>(T a, T b) where T : class, ICrdt<T>
    {
        var joined = a.Clone();
        joined.Merge(b);
        return joined;
    }

    public static bool Same<T>(T a, T b) where T : class, ICrdt<T> => Bytes(a).AsSpan().SequenceEqual(Bytes(b));

    public static void CheckLaws<T>(Mutator<T> mutate, Func<T, string>? describe = null) where T : class, ICrdt<T> =>
        Prop.ForAll<int[]>(script => Check(script ?? [], mutate, describe)).QuickCheckThrowOnFailure();

    private static bool Check<T>(int[] script, Mutator<T> mutate, Func<T, string>? describe) where T : class, ICrdt<T>
    {
        var time = new StepTime();
        var states = new T[3];
        var clocks = new HybridLogicalClock[3];
        for (var i = 0; i < 3; i++)
        {
            states[i] = T.CreateEmpty();
            clocks[i] = new HybridLogicalClock(time);
        }
        var deltas = new List<T>();
        var pool = new List<T> { T.CreateEmpty() };
        foreach (var raw in script.Take(40))
        {
            var u = (uint)raw;
            var r = (int)(u % 3);
            var arg = (int)(u / 12 % 6);
            if (u / 72 % 3 == 0)
            {
                time.Milliseconds++;
            }
            switch (u / 3 % 4)
            {
                case 0 or 1:
                {
                    var before = states[r].Clone();
                    var delta = mutate(states[r], Replicas[r], arg, clocks[r]);
                    // A mutator's result is the old state joined with its delta.
                    if (!Same(Join(before, delta), states[r]))
                    {
                        throw new InvalidOperationException($"state ⊔ delta differs from the mutated state (replica {Replicas[r]}, argument {arg}).");
                    }
                    deltas.Add(delta);
                    pool.Add(delta);
                    break;
                }
                case 2:
                    states[r].Merge(states[(r + 1 + arg % 2) % 3]);
                    break;
                default:
                    if (deltas.Count > 0)
                    {
                        var group = T.CreateEmpty();
                        for (var i = arg % deltas.Count; i < deltas.Count; i += 2)
                        {
                            group.Merge(deltas[i]);
                        }
                        pool.Add(group);
                        states[r].Merge(group);
                    }
                    break;
            }
            pool.Add(states[r].Clone());
        }

        var n = pool.Count;
        for (var i = 0; i < Math.Min(n, 12); i++)
        {
            var a = pool[(i * 7 + script.Length) % n];
            var b = pool[(i * 13 + 1) % n];
            var c = pool[(i * 31 + 2) % n];
            if (!Same(Join(a, b), Join(b, a)))
            {
                throw new InvalidOperationException($"not commutative: {a} ⊔ {b}");
            }
            if (!Same(Join(Join(a, b), c), Join(a, Join(b, c))))
            {
                throw new InvalidOperationException($"not associative: {a}, {b}, {c}");
            }
            if (!Same(Join(a, a), a) || !Same(Join(Join(a, b), b), Join(a, b)))
            {
                throw new InvalidOperationException($"not idempotent: {a}, {b}");
            }
        }

        // Delta-state equivalence: the join of every delta, in either order or as groups, is the join of all replicas.
        var allStates = Join(Join(states[0], states[1]), states[2]);
        var forward = T.CreateEmpty();
        foreach (var delta in deltas)
        {
            forward.Merge(delta);
        }
        var backwardGroups = T.CreateEmpty();
        for (var i = deltas.Count - 1; i >= 0; i -= 2)
        {
            var group = deltas[i].Clone();
            if (i > 0)
            {
                group.Merge(deltas[i - 1]);
            }
            backwardGroups.Merge(group);
        }
        // The same with every delta and state decoded from its bytes, as replication joins them.
        var decoded = T.CreateEmpty();
        foreach (var delta in deltas)
        {
            decoded.Merge(CrdtSerializer.Deserialize<T>(Bytes(delta)));
        }
        var decodedStates = CrdtSerializer.Deserialize<T>(Bytes(states[0]));
        decodedStates.Merge(CrdtSerializer.Deserialize<T>(Bytes(states[1])));
        decodedStates.Merge(CrdtSerializer.Deserialize<T>(Bytes(states[2])));
        if (!Same(forward, allStates) || !Same(backwardGroups, allStates) || !Same(decoded, allStates) || !Same(decodedStates, allStates))
        {
            throw new InvalidOperationException($"deltas joined ({forward}) differ from states joined ({allStates}).");
        }

        foreach (var value in pool)
        {
            var read = CrdtSerializer.Deserialize<T>(Bytes(value));
            if (!Same(read, value) || (describe is not null && describe(read) != describe(value)))
            {
                throw new InvalidOperationException($"round trip changed {value}.");
            }
        }
        return true;
    }
}
