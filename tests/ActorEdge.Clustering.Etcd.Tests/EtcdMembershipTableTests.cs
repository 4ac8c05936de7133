using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Membership;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Clustering.Etcd;

public sealed class EtcdMembershipTableTests(EtcdClusteringFixture etcd)
{
    private readonly string _prefix = $"membership-watch-{Guid.NewGuid():N}";

    [Fact]
    public async Task TestCluster_PollingOnceAMinute_SeesADeadSiloWhenItsLeaseExpiresAndANewSiloAtOnce()
    {
        var builder = new TestClusterBuilder(3).ConfigureSilos(silo => silo
            .UseEtcdClustering(o =>
            {
                o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
                o.KeyPrefix = _prefix;
                o.LeaseTtl = TimeSpan.FromSeconds(2);
            })
            // Only the watch can make a silo see a change within this test; no calls either, so no
            // lost connection reveals the kill.
            .Configure<ClusterMembershipOptions>(o => o.RefreshPeriod = TimeSpan.FromMinutes(1)));
        builder.Options.ConnectClient = false;
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var victim = cluster.Silos[1];
        var survivors = new[] { cluster.Silos[0], cluster.Silos[2] };

        var killed = DateTime.UtcNow;
        await cluster.KillSiloAsync(victim);
        // The lease (2 s, renewed every third of it) expires within about 2 s of the last renewal.
        await WaitUntilAsync(() => survivors.All(s => s.ConsidersDead(victim.Address)), TimeSpan.FromSeconds(10));
        var seenDead = DateTime.UtcNow - killed;

        var started = DateTime.UtcNow;
        var joined = await cluster.StartAdditionalSiloAsync(waitForMembership: false);
        await WaitUntilAsync(() => survivors.All(s => s.ActiveMembers.Contains(joined.Address)), TimeSpan.FromSeconds(2));
        var seenJoined = DateTime.UtcNow - started;

        Assert.True(seenDead < TimeSpan.FromSeconds(10), $"dead seen after {seenDead}");
        foreach (var survivor in survivors)
        {
            Assert.Equal(
                new[] { cluster.Silos[0].Address, cluster.Silos[2].Address, joined.Address }.OrderBy(a => a.ToString(), StringComparer.Ordinal),
                survivor.ActiveMembers);
        }
        Assert.True(seenJoined < TimeSpan.FromSeconds(2), $"join seen after {seenJoined}");
    }

    [Fact]
    public async Task Watch_ReportsJoinStatusChangeAndDeathButNotHeartbeats()
    {
        await using var observer = etcd.CreateLease(_prefix);
        await using var member = etcd.CreateLease(_prefix, TimeSpan.FromSeconds(10));
        var table = new EtcdMembershipTable(observer, TimeProvider.System);
        var memberTable = new EtcdMembershipTable(member, TimeProvider.System);
        var silo = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40101), 1);
        var entry = new SiloEntry(silo, "s", "node-a", null, SiloStatus.Active, default);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var changes = table.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await changes.MoveNextAsync());
        Assert.Null(changes.Current.Silo);
        await memberTable.UpsertAsync(entry);
        await memberTable.UpsertAsync(entry);
        await memberTable.UpsertAsync(entry);
        await memberTable.UpsertAsync(entry with { Status = SiloStatus.ShuttingDown });
        await table.MarkDeadAsync(silo);

        // A second silo joins after all that: everything reported before it is about the first.
        var second = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40104), 1);
        await memberTable.UpsertAsync(entry with { Address = second });

        // The join (alive key created, entry first seen), the status change, the death; not the two heartbeats.
        var seen = new List<SiloAddress?>();
        while (await changes.MoveNextAsync() && !second.Equals(changes.Current.Silo))
        {
            seen.Add(changes.Current.Silo);
        }
        Assert.Equal([silo, silo, silo, silo], seen);
    }

    [Fact]
    public async Task ReadAll_DeadLongerThanRetention_DeletesTheSilosKeys()
    {
        await using var observer = etcd.CreateLease(_prefix);
        await using var member = etcd.CreateLease(_prefix, TimeSpan.FromSeconds(10));
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var table = new EtcdMembershipTable(observer, time, TimeSpan.FromMinutes(5));
        var silo = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40102), 1);
        var memberTable = new EtcdMembershipTable(member, time);
        await memberTable.UpsertAsync(new SiloEntry(silo, "s", "node-a", null, SiloStatus.Active, default));
        var orphan = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40103), 1);
        await table.MarkDeadAsync(silo);
        await table.MarkDeadAsync(orphan);

        time.Now += TimeSpan.FromMinutes(4);
        var kept = await table.ReadAllAsync();
        var keysKept = await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "--keys-only");
        time.Now += TimeSpan.FromMinutes(2);
        var cleaned = await table.ReadAllAsync();
        var keysLeft = await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "--keys-only");

        Assert.Equal(SiloStatus.Dead, Assert.Single(kept).Status);
        Assert.Equal(
            [$"{_prefix}/dead/{silo}", $"{_prefix}/dead/{orphan}", $"{_prefix}/members/{silo}"],
            keysKept.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(SiloStatus.Dead, Assert.Single(cleaned).Status);
        Assert.Empty(keysLeft.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(await table.ReadAllAsync());
        // The silo's own table never joins again under that address.
        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => memberTable.UpsertAsync(new SiloEntry(silo, "s", "node-a", null, SiloStatus.Active, default)));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
