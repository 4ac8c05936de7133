using System.Net;
using ActorEdge.Runtime.Membership;
using Xunit;

namespace ActorEdge.Testing;

/// <summary>The contract of <see cref="IMembershipTable"/>: every clustering provider's tests inherit this class.</summary>
public abstract class MembershipTableTestsBase
{
    private static int _ports = 20000;

    /// <summary>The table under test (tests use silo addresses no other test uses).</summary>
    protected abstract IMembershipTable Table { get; }

    /// <summary>A silo address no other test uses.</summary>
    protected static SiloAddress NewSilo() =>
        new(new IPEndPoint(IPAddress.Loopback, Interlocked.Increment(ref _ports) % 60000 + 1024), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    protected static SiloEntry Entry(SiloAddress silo, SiloStatus status = SiloStatus.Active, string node = "node-a") =>
        new(silo, $"silo-{silo.Endpoint.Port}", node, "zone-1", status, default);

    [Fact]
    public async Task Upsert_NewSilo_ReadAllReturnsItsEntry()
    {
        var silo = NewSilo();

        await Table.UpsertAsync(Entry(silo));

        var entry = Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo));
        Assert.Equal(SiloStatus.Active, entry.Status);
        Assert.Equal("node-a", entry.NodeName);
        Assert.Equal("zone-1", entry.Zone);
        Assert.Equal($"silo-{silo.Endpoint.Port}", entry.SiloName);
    }

    [Fact]
    public async Task Upsert_Again_UpdatesStatusAndAdvancesHeartbeat()
    {
        var silo = NewSilo();
        await Table.UpsertAsync(Entry(silo));
        var first = Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo)).LastHeartbeat;

        await WaitForClockAsync(first);
        await Table.UpsertAsync(Entry(silo, SiloStatus.ShuttingDown));

        var entry = Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo));
        Assert.Equal(SiloStatus.ShuttingDown, entry.Status);
        Assert.True(entry.LastHeartbeat > first, $"heartbeat {entry.LastHeartbeat:O} did not advance past {first:O}");
    }

    [Fact]
    public async Task MarkDead_IsTerminal_UpsertThenThrows()
    {
        var silo = NewSilo();
        await Table.UpsertAsync(Entry(silo));

        await Table.MarkDeadAsync(silo);

        Assert.Equal(SiloStatus.Dead, Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo)).Status);
        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => Table.UpsertAsync(Entry(silo)));
        Assert.Equal(SiloStatus.Dead, Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo)).Status);
    }

    [Fact]
    public async Task MarkDead_Twice_IsIdempotent()
    {
        var silo = NewSilo();
        await Table.UpsertAsync(Entry(silo));

        await Table.MarkDeadAsync(silo);
        await Table.MarkDeadAsync(silo);

        Assert.Equal(SiloStatus.Dead, Assert.Single(await Table.ReadAllAsync(), e => e.Address.Equals(silo)).Status);
    }

    [Fact]
    public async Task SameEndpointNewGeneration_IsAnotherSilo()
    {
        var old = NewSilo();
        var restarted = new SiloAddress(old.Endpoint, old.Generation + 1);
        await Table.UpsertAsync(Entry(old));
        await Table.MarkDeadAsync(old);

        await Table.UpsertAsync(Entry(restarted));

        var entries = await Table.ReadAllAsync();
        Assert.Equal(SiloStatus.Dead, Assert.Single(entries, e => e.Address.Equals(old)).Status);
        Assert.Equal(SiloStatus.Active, Assert.Single(entries, e => e.Address.Equals(restarted)).Status);
    }

    [Fact]
    public async Task ConcurrentUpserts_OfManySilos_AllRecorded()
    {
        var silos = Enumerable.Range(0, 10).Select(_ => NewSilo()).ToArray();

        await Task.WhenAll(silos.Select(s => Table.UpsertAsync(Entry(s))));

        var entries = await Table.ReadAllAsync();
        foreach (var silo in silos)
        {
            Assert.Single(entries, e => e.Address.Equals(silo));
        }
    }

    private static async Task WaitForClockAsync(DateTimeOffset after)
    {
        // Heartbeats are stamped by the table's clock; make sure it has moved on.
        while (DateTimeOffset.UtcNow <= after)
        {
            await Task.Yield();
        }
    }
}
