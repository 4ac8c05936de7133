using System.Net;
using System.Text.Json;
using ActorEdge.Hosting;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Samples;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Clustering.Etcd;

public sealed class EtcdClusteringTests(EtcdClusteringFixture etcd)
{
    private readonly string _prefix = $"clustering-{Guid.NewGuid():N}";

    [Fact]
    public async Task LeaseExpires_SiloIsDeadAndItsDirectoryEntriesAreGone()
    {
        var crashed = etcd.CreateLease(_prefix, TimeSpan.FromSeconds(2));
        await using var observer = etcd.CreateLease(_prefix);
        var silo = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40001), 1);
        var grain = new GrainAddress(new GrainId("counter", "lease"), silo, 7);
        await new EtcdMembershipTable(crashed, TimeProvider.System).UpsertAsync(new SiloEntry(silo, "s", "node-a", null, SiloStatus.Active, default));
        await new EtcdGrainDirectory(crashed).RegisterAsync(grain, null);
        var table = new EtcdMembershipTable(observer, TimeProvider.System);
        var directory = new EtcdGrainDirectory(observer);
        Assert.Equal(SiloStatus.Active, Assert.Single(await table.ReadAllAsync()).Status);
        Assert.Equal(grain, await directory.LookupAsync(grain.GrainId));

        // The silo stops renewing its lease, as a crashed process would.
        await crashed.DisposeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await table.ReadAllAsync()).Single().Status != SiloStatus.Dead)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Null(await directory.LookupAsync(grain.GrainId));
        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => table.UpsertAsync(new SiloEntry(silo, "s", "node-a", null, SiloStatus.Active, default)));
        Assert.Equal(SiloStatus.Dead, Assert.Single(await table.ReadAllAsync()).Status);
    }

    [Fact]
    public async Task Membership_EtcdctlReadsTheEntryAsJson()
    {
        await using var lease = etcd.CreateLease(_prefix);
        var silo = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 40002), 5);
        await new EtcdMembershipTable(lease, TimeProvider.System).UpsertAsync(new SiloEntry(silo, "silo-x", "edge-7", "zone-b", SiloStatus.Active, default));

        var keys = (await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "--keys-only")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var entry = JsonDocument.Parse(await etcd.Cluster.EtcdctlAsync("get", $"{_prefix}/members/{silo}", "--print-value-only"));

        Assert.Equal([$"{_prefix}/alive/{silo}", $"{_prefix}/members/{silo}"], keys);
        Assert.Equal("edge-7", entry.RootElement.GetProperty("NodeName").GetString());
        Assert.Equal("zone-b", entry.RootElement.GetProperty("Zone").GetString());
        Assert.Equal("Active", entry.RootElement.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task TestCluster_OnEtcd_SurvivesASiloKillWithoutDoubleActivation()
    {
        var builder = new TestClusterBuilder(3).ConfigureSilos(silo => silo
            .UseEtcdClustering(o =>
            {
                o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
                o.KeyPrefix = _prefix;
                o.LeaseTtl = TimeSpan.FromSeconds(2);
            })
            .AddEtcdGrainStorage("store", o =>
            {
                o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
                o.KeyPrefix = _prefix + "-state";
            }));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>("kill");
        for (var i = 0; i < 5; i++)
        {
            await counter.Add(1);
        }
        var victim = cluster.GetHostingSilo(counter)!;

        await cluster.KillSiloAsync(victim);
        // Calls from every surviving silo race to reactivate the grain.
        var survivors = cluster.ActiveSilos;
        var acknowledged = 0;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (acknowledged == 0)
        {
            var results = await Task.WhenAll(survivors.Select(async s =>
            {
                try
                {
                    await s.GrainFactory.GetGrain<ICounterGrain>("kill").Add(1);
                    return true;
                }
                catch (Exception e) when (!timeout.IsCancellationRequested)
                {
                    failures.Add($"{s}: {e.GetType().Name}: {e.Message}");
                    return false;
                }
            }));
            acknowledged += results.Count(ok => ok);
            timeout.Token.ThrowIfCancellationRequested();
        }

        var hosts = cluster.ActiveSilos.Where(s => s.HostsActivation(GrainIdOf(counter))).ToArray();
        var host = Assert.Single(hosts);
        Assert.NotEqual(victim.Address, host.Address);
        // Every acknowledged increment is kept. A call that failed may still have run (the runtime
        // can report SiloUnavailableException for a request it re-sent to the new activation).
        var value = await counter.Get();
        Assert.True(value >= 5 + acknowledged && value <= 5 + acknowledged + failures.Count, $"value {value}, {acknowledged} acknowledged; failures: {string.Join(" | ", failures)}");
        await using var lease = etcd.CreateLease(_prefix);
        var entry = await new EtcdGrainDirectory(lease).LookupAsync(GrainIdOf(counter));
        Assert.Equal(host.Address, entry!.Silo);
        var members = await new EtcdMembershipTable(lease, TimeProvider.System).ReadAllAsync();
        Assert.Equal(SiloStatus.Dead, members.Single(m => m.Address.Equals(victim.Address)).Status);
    }

    private static GrainId GrainIdOf(IAddressable grain) => ((Invocation.GrainReference)grain).GrainId;
}
