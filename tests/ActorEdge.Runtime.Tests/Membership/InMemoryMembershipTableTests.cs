using System.Net;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Tests.Infrastructure;

namespace ActorEdge.Runtime.Tests.Membership;

public sealed class InMemoryMembershipTableTests
{
    private static readonly SiloAddress Silo = new(new IPEndPoint(IPAddress.Loopback, 1001), 1);

    [Fact]
    public async Task UpsertAsync_NewEntry_StampsTheHeartbeatWithTheTablesClock()
    {
        var time = new ManualTimeProvider();
        time.Advance(TimeSpan.FromMinutes(3));
        var table = new InMemoryMembershipTable(time);

        await table.UpsertAsync(Entry(SiloStatus.Active, DateTimeOffset.MinValue));

        var entry = Assert.Single(await table.ReadAllAsync());
        Assert.Equal(Entry(SiloStatus.Active, time.GetUtcNow()), entry);
    }

    [Fact]
    public async Task MarkDeadAsync_ActiveEntry_MarksItDead()
    {
        var table = new InMemoryMembershipTable(new ManualTimeProvider());
        await table.UpsertAsync(Entry(SiloStatus.Active));

        await table.MarkDeadAsync(Silo);

        Assert.Equal(SiloStatus.Dead, Assert.Single(await table.ReadAllAsync()).Status);
    }

    [Fact]
    public async Task UpsertAsync_EntryIsDead_ThrowsSiloDeclaredDeadAndStaysDead()
    {
        var table = new InMemoryMembershipTable(new ManualTimeProvider());
        await table.UpsertAsync(Entry(SiloStatus.Active));
        await table.MarkDeadAsync(Silo);

        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => table.UpsertAsync(Entry(SiloStatus.Active)));

        Assert.Equal(SiloStatus.Dead, Assert.Single(await table.ReadAllAsync()).Status);
    }

    [Fact]
    public async Task MarkDeadAsync_UnknownSilo_AddsNothing()
    {
        var table = new InMemoryMembershipTable(new ManualTimeProvider());

        await table.MarkDeadAsync(Silo);
        await table.MarkDeadAsync(Silo);

        Assert.Empty(await table.ReadAllAsync());
    }

    [Fact]
    public async Task UpsertAsync_SameEndpointNewGeneration_IsASeparateLiveEntry()
    {
        var table = new InMemoryMembershipTable(new ManualTimeProvider());
        await table.UpsertAsync(Entry(SiloStatus.Active));
        await table.MarkDeadAsync(Silo);
        var restarted = new SiloAddress(Silo.Endpoint, Silo.Generation + 1);

        await table.UpsertAsync(Entry(SiloStatus.Active) with { Address = restarted });

        var entries = (await table.ReadAllAsync()).ToDictionary(e => e.Address, e => e.Status);
        Assert.Equal(SiloStatus.Dead, entries[Silo]);
        Assert.Equal(SiloStatus.Active, entries[restarted]);
    }

    private static SiloEntry Entry(SiloStatus status, DateTimeOffset heartbeat = default) => new(Silo, "silo", "node", null, status, heartbeat);
}
