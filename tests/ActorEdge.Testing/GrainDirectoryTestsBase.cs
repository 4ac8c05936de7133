using System.Net;
using ActorEdge.Runtime.GrainDirectory;
using Xunit;

namespace ActorEdge.Testing;

/// <summary>The contract of <see cref="IGrainDirectory"/>: single activation by register-if-absent and compare-and-swap.</summary>
public abstract class GrainDirectoryTestsBase
{
    private static int _keys;

    /// <summary>The directory under test (tests use grain ids no other test uses).</summary>
    protected abstract IGrainDirectory Directory { get; }

    protected static readonly SiloAddress SiloA = new(new IPEndPoint(IPAddress.Loopback, 30001), 1);
    protected static readonly SiloAddress SiloB = new(new IPEndPoint(IPAddress.Loopback, 30002), 1);
    protected static readonly SiloAddress SiloC = new(new IPEndPoint(IPAddress.Loopback, 30003), 1);

    protected static GrainId NewGrainId() => new("directory", $"{Environment.ProcessId}-{Interlocked.Increment(ref _keys)}-{Guid.NewGuid():N}");

    [Fact]
    public async Task Register_Absent_WinsAndLookupFindsIt()
    {
        var address = new GrainAddress(NewGrainId(), SiloA, 1);

        var winner = await Directory.RegisterAsync(address, null);

        Assert.Equal(address, winner);
        Assert.Equal(address, await Directory.LookupAsync(address.GrainId));
    }

    [Fact]
    public async Task Register_Present_ReturnsExistingAndChangesNothing()
    {
        var grain = NewGrainId();
        var first = new GrainAddress(grain, SiloA, 1);
        await Directory.RegisterAsync(first, null);

        var winner = await Directory.RegisterAsync(new GrainAddress(grain, SiloB, 2), null);

        Assert.Equal(first, winner);
        Assert.Equal(first, await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Register_SameAddressTwice_IsIdempotent()
    {
        var address = new GrainAddress(NewGrainId(), SiloA, 1);
        await Directory.RegisterAsync(address, null);

        Assert.Equal(address, await Directory.RegisterAsync(address, null));
    }

    [Fact]
    public async Task Register_WithMatchingPrevious_Swaps()
    {
        var grain = NewGrainId();
        var first = new GrainAddress(grain, SiloA, 1);
        var second = new GrainAddress(grain, SiloB, 2);
        await Directory.RegisterAsync(first, null);

        var winner = await Directory.RegisterAsync(second, first);

        Assert.Equal(second, winner);
        Assert.Equal(second, await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Register_WithStalePrevious_ReturnsCurrentAndChangesNothing()
    {
        var grain = NewGrainId();
        var first = new GrainAddress(grain, SiloA, 1);
        var second = new GrainAddress(grain, SiloB, 2);
        await Directory.RegisterAsync(first, null);
        await Directory.RegisterAsync(second, first);

        var winner = await Directory.RegisterAsync(new GrainAddress(grain, SiloC, 3), first);

        Assert.Equal(second, winner);
        Assert.Equal(second, await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Register_WithPreviousOnAMissingEntry_RegistersNothingAndReturnsNull()
    {
        var grain = NewGrainId();
        var first = new GrainAddress(grain, SiloA, 1);
        await Directory.RegisterAsync(first, null);
        await Directory.UnregisterAsync(first);

        var winner = await Directory.RegisterAsync(new GrainAddress(grain, SiloB, 2), first);

        Assert.Null(winner);
        Assert.Null(await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Unregister_Matching_Removes()
    {
        var address = new GrainAddress(NewGrainId(), SiloA, 1);
        await Directory.RegisterAsync(address, null);

        await Directory.UnregisterAsync(address);

        Assert.Null(await Directory.LookupAsync(address.GrainId));
    }

    [Fact]
    public async Task Unregister_OtherActivation_KeepsEntry()
    {
        var grain = NewGrainId();
        var current = new GrainAddress(grain, SiloA, 1);
        await Directory.RegisterAsync(current, null);

        await Directory.UnregisterAsync(new GrainAddress(grain, SiloA, 2));
        await Directory.UnregisterAsync(new GrainAddress(grain, SiloB, 1));

        Assert.Equal(current, await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Lookup_Unknown_ReturnsNull() => Assert.Null(await Directory.LookupAsync(NewGrainId()));

    [Fact]
    public async Task UnregisterSilos_RemovesOnlyTheirEntries()
    {
        var onA = new GrainAddress(NewGrainId(), SiloA, 1);
        var onB = new GrainAddress(NewGrainId(), SiloB, 1);
        var onC = new GrainAddress(NewGrainId(), SiloC, 1);
        await Directory.RegisterAsync(onA, null);
        await Directory.RegisterAsync(onB, null);
        await Directory.RegisterAsync(onC, null);

        await Directory.UnregisterSilosAsync([SiloA, SiloB]);

        Assert.Null(await Directory.LookupAsync(onA.GrainId));
        Assert.Null(await Directory.LookupAsync(onB.GrainId));
        Assert.Equal(onC, await Directory.LookupAsync(onC.GrainId));
    }

    [Fact]
    public async Task Register_ConcurrentFromManySilos_ExactlyOneWinnerForAll()
    {
        var grain = NewGrainId();
        var candidates = Enumerable.Range(0, 16).Select(i => new GrainAddress(grain, i % 2 == 0 ? SiloA : SiloB, i + 1)).ToArray();

        var winners = await Task.WhenAll(candidates.Select(c => Directory.RegisterAsync(c, null)));

        var winner = Assert.Single(winners.Distinct());
        Assert.Contains(winner, candidates);
        Assert.Equal(winner, await Directory.LookupAsync(grain));
    }
}
