namespace ActorEdge.Crdt.Tests;

/// <summary>Commutativity, associativity, idempotence, inflation and delta ≡ state join, per type.</summary>
public sealed class LatticeLawTests
{
    [Fact]
    public void GCounter_Laws() =>
        LatticeHarness.CheckLaws<GCounter>((s, r, arg, _) => s.Increment(r, (ulong)arg + 1));

    [Fact]
    public void PNCounter_Laws() =>
        LatticeHarness.CheckLaws<PNCounter>((s, r, arg, _) => s.Increment(r, arg - 3));

    [Fact]
    public void LwwRegister_Laws() =>
        LatticeHarness.CheckLaws<LwwRegister<string>>((s, r, arg, clock) => arg == 0 ? s.Clear(clock.Now(), r) : s.Assign($"v{arg}", clock.Now(), r));

    [Fact]
    public void MVRegister_Laws() =>
        LatticeHarness.CheckLaws<MVRegister<string>>((s, r, arg, _) => arg == 0 ? s.Clear() : s.Write(r, $"v{arg}"), static s => $"{s} {s.Context}");

    [Fact]
    public void ORSet_Laws() =>
        LatticeHarness.CheckLaws<ORSet<string>>((s, r, arg, _) => arg == 5 ? s.Clear() : arg % 2 == 0 ? s.Add(r, $"e{arg / 2}") : s.Remove($"e{arg / 2}"), static s => $"{s} {s.Context}");

    [Fact]
    public void ORMap_OfCounters_Laws() =>
        LatticeHarness.CheckLaws<ORMap<string, GCounter>>((s, r, arg, _) => arg < 3 ? s.Update(r, $"k{arg}", v => v.Increment(r)) : s.Remove($"k{arg - 3}"), static s => $"{s} {s.Context}");

    [Fact]
    public void ORMap_OfPNCounters_Laws() =>
        LatticeHarness.CheckLaws<ORMap<string, PNCounter>>((s, r, arg, _) => arg switch
        {
            < 2 => s.Update(r, $"k{arg}", v => v.Increment(r, 2)),
            < 4 => s.Update(r, $"k{arg - 2}", v => v.Increment(r, -1)),
            _ => s.Remove($"k{arg - 4}"),
        }, static s => $"{s} {s.Context}");

    [Fact]
    public void ORMap_OfSets_Laws() =>
        LatticeHarness.CheckLaws<ORMap<int, ORSet<string>>>((s, r, arg, _) => arg switch
        {
            < 2 => s.Update(r, arg, v => v.Add(r, $"x{arg}")),
            < 4 => s.Update(r, arg - 2, v => v.Remove($"x{arg - 2}")),
            _ => s.Remove(arg - 4),
        }, static s => $"{s} {s.Context}");

    [Fact]
    public void LwwMap_Laws() =>
        LatticeHarness.CheckLaws<LwwMap<string, int>>((s, r, arg, clock) => arg < 3 ? s.Set($"k{arg}", arg, clock.Now(), r) : s.Remove($"k{arg - 3}", clock.Now(), r));
}
