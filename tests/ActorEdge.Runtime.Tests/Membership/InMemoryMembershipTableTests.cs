using System.Net;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Testing;

namespace ActorEdge.Runtime.Tests.Membership;

/// <summary>The in-process table held to the membership contract, plus what only it promises (its clock stamps heartbeats).</summary>
public sealed class InMemoryMembershipTableTests : MembershipTableTestsBase
{
    protected override IMembershipTable Table { get; } = new InMemoryMembershipTable(TimeProvider.System);

    private static readonly SiloAddress Silo = new(new IPEndPoint(IPAddress.Loopback, 1001), 1);

    [Fact]
    public async Task UpsertAsync_NewEntry_StampsTheHeartbeatWithTheTablesClock()
    {
        var time = new ManualTimeProvider();
        time.Advance(TimeSpan.FromMinutes(3));
        var table = new InMemoryMembershipTable(time);

        await table.UpsertAsync(LocalEntry(SiloStatus.Active, DateTimeOffset.MinValue));

        var entry = Assert.Single(await table.ReadAllAsync());
        Assert.Equal(LocalEntry(SiloStatus.Active, time.GetUtcNow()), entry);
    }

    [Fact]
    public async Task MarkDeadAsync_UnknownSilo_AddsNothing()
    {
        var table = new InMemoryMembershipTable(new ManualTimeProvider());

        await table.MarkDeadAsync(Silo);
        await table.MarkDeadAsync(Silo);

        Assert.Empty(await table.ReadAllAsync());
    }

    private static SiloEntry LocalEntry(SiloStatus status, DateTimeOffset heartbeat = default) => new(Silo, "silo", "node", null, status, heartbeat);
}
