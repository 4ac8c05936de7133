using System.Net;
using ActorEdge.Runtime.GrainDirectory;

namespace ActorEdge.Runtime.Tests.GrainDirectory;

public sealed class InMemoryGrainDirectoryTests
{
    private static readonly SiloAddress SiloA = new(new IPEndPoint(IPAddress.Loopback, 1001), 1);
    private static readonly SiloAddress SiloB = new(new IPEndPoint(IPAddress.Loopback, 1002), 1);
    private static readonly GrainId Grain = new("counter", "a");

    [Fact]
    public async Task RegisterAsync_NoEntry_RegistersAndReturnsTheAddress()
    {
        var directory = new InMemoryGrainDirectory();
        var address = new GrainAddress(Grain, SiloA, 1);

        Assert.Equal(address, await directory.RegisterAsync(address, null));
        Assert.Equal(address, await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task RegisterAsync_EntryExistsAndNoPrevious_KeepsTheExistingEntryAndReturnsIt()
    {
        var directory = new InMemoryGrainDirectory();
        var first = new GrainAddress(Grain, SiloA, 1);
        await directory.RegisterAsync(first, null);

        Assert.Equal(first, await directory.RegisterAsync(new GrainAddress(Grain, SiloB, 2), null));
        Assert.Equal(first, await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task RegisterAsync_SameAddressAgain_IsIdempotent()
    {
        var directory = new InMemoryGrainDirectory();
        var first = new GrainAddress(Grain, SiloA, 1);
        await directory.RegisterAsync(first, null);

        Assert.Equal(first, await directory.RegisterAsync(first, null));
        Assert.Equal(1, directory.Count);
    }

    [Fact]
    public async Task RegisterAsync_PreviousMatchesTheEntry_SwapsToTheNewAddress()
    {
        var directory = new InMemoryGrainDirectory();
        var first = new GrainAddress(Grain, SiloA, 1);
        var second = new GrainAddress(Grain, SiloB, 2);
        await directory.RegisterAsync(first, null);

        Assert.Equal(second, await directory.RegisterAsync(second, first));
        Assert.Equal(second, await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task RegisterAsync_PreviousIsStale_KeepsTheEntry()
    {
        var directory = new InMemoryGrainDirectory();
        var current = new GrainAddress(Grain, SiloA, 2);
        await directory.RegisterAsync(current, null);

        Assert.Equal(current, await directory.RegisterAsync(new GrainAddress(Grain, SiloB, 3), new GrainAddress(Grain, SiloA, 1)));
        Assert.Equal(current, await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task RegisterAsync_ManyConcurrentRegistrations_ExactlyOneWinsAndAllSeeIt()
    {
        var directory = new InMemoryGrainDirectory();
        var addresses = Enumerable.Range(1, 64).Select(i => new GrainAddress(Grain, i % 2 == 0 ? SiloA : SiloB, i)).ToArray();

        var winners = await Task.WhenAll(addresses.Select(a => Task.Run(() => directory.RegisterAsync(a, null))));

        Assert.Single(winners.Distinct());
        Assert.Equal(winners[0], await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task UnregisterAsync_OtherActivationOfTheGrain_LeavesTheEntry()
    {
        var directory = new InMemoryGrainDirectory();
        var current = new GrainAddress(Grain, SiloA, 2);
        await directory.RegisterAsync(current, null);

        await directory.UnregisterAsync(new GrainAddress(Grain, SiloA, 1));

        Assert.Equal(current, await directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task UnregisterAsync_TheRegisteredAddress_RemovesTheEntry()
    {
        var directory = new InMemoryGrainDirectory();
        var current = new GrainAddress(Grain, SiloA, 2);
        await directory.RegisterAsync(current, null);

        await directory.UnregisterAsync(current);

        Assert.Null(await directory.LookupAsync(Grain));
        Assert.Equal(0, directory.Count);
    }

    [Fact]
    public async Task UnregisterSilosAsync_DeadSilo_RemovesOnlyItsEntries()
    {
        var directory = new InMemoryGrainDirectory();
        var onA = new GrainAddress(new GrainId("counter", "1"), SiloA, 1);
        var onB = new GrainAddress(new GrainId("counter", "2"), SiloB, 1);
        var alsoOnA = new GrainAddress(new GrainId("counter", "3"), SiloA, 1);
        foreach (var address in new[] { onA, onB, alsoOnA })
        {
            await directory.RegisterAsync(address, null);
        }

        await directory.UnregisterSilosAsync([SiloA]);

        Assert.Null(await directory.LookupAsync(onA.GrainId));
        Assert.Null(await directory.LookupAsync(alsoOnA.GrainId));
        Assert.Equal(onB, await directory.LookupAsync(onB.GrainId));
    }
}
