using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Samples;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Clustering.Etcd;

public sealed class EtcdGrainDirectoryTests(EtcdClusteringFixture etcd)
{
    private readonly string _prefix = $"directory-{Guid.NewGuid():N}";
    private static readonly SiloAddress SiloA = new(new IPEndPoint(IPAddress.Loopback, 40201), 1);
    private static readonly SiloAddress SiloB = new(new IPEndPoint(IPAddress.Loopback, 40202), 1);

    [Fact]
    public async Task TestCluster_AnotherSiloReRegistersACachedGrain_TheCacheEntryIsDropped()
    {
        var builder = new TestClusterBuilder(2).ConfigureSilos(silo => silo
            .UseEtcdClustering(o =>
            {
                o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
                o.KeyPrefix = _prefix;
            })
            .AddMemoryGrainStorage("store"));
        builder.Options.ConnectClient = false;
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>("cached").Add(1);
        var grainId = ((Invocation.GrainReference)cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>("cached")).GrainId;
        var host = cluster.GetHostingSilo(grainId)!;
        // The other silo calls it, and caches where it lives.
        var caller = cluster.Silos.Single(s => s != host);
        await caller.GrainFactory.GetGrain<ICounterGrain>("cached").Add(1);
        Assert.Equal(host.Address, caller.CachedLocation(grainId));

        // Another silo takes the entry over (compare-and-swap, as a migration or a re-activation after a death would).
        await using var other = etcd.CreateLease(_prefix, TimeSpan.FromSeconds(10));
        var directory = new EtcdGrainDirectory(other);
        var current = (await directory.LookupAsync(grainId))!;
        var moved = await directory.RegisterAsync(new GrainAddress(grainId, SiloB, 99), current);

        Assert.Equal(SiloB, moved?.Silo);
        await EtcdMembershipTableTests.WaitUntilAsync(() => caller.CachedLocation(grainId) is null, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UnregisterSilos_ReadsOnlyTheSilosIndex_AndKeepsTheIndexInStep()
    {
        await using var lease = etcd.CreateLease(_prefix, TimeSpan.FromSeconds(10));
        var directory = new EtcdGrainDirectory(lease);
        var onA = new GrainAddress(new GrainId("t", "a/1"), SiloA, 1);
        var onB = new GrainAddress(new GrainId("t", "b"), SiloB, 2);
        var migrated = new GrainAddress(new GrainId("t", "m"), SiloA, 3);
        await directory.RegisterAsync(onA, null);
        await directory.RegisterAsync(onB, null);
        await directory.RegisterAsync(migrated, null);
        await directory.RegisterAsync(migrated with { Silo = SiloB, ActivationId = 4 }, migrated);

        var index = await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/directory-index/", "--keys-only");
        Assert.Equal(
            [$"{_prefix}/directory-index/{SiloA}/t/a/1", $"{_prefix}/directory-index/{SiloB}/t/b", $"{_prefix}/directory-index/{SiloB}/t/m"],
            index.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await directory.UnregisterSilosAsync([SiloA]);
        await directory.UnregisterAsync(onB);

        Assert.Null(await directory.LookupAsync(onA.GrainId));
        Assert.Null(await directory.LookupAsync(onB.GrainId));
        Assert.Equal(SiloB, (await directory.LookupAsync(migrated.GrainId))!.Silo);
        var left = await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "--keys-only");
        Assert.Equal([$"{_prefix}/directory-index/{SiloB}/t/m", $"{_prefix}/directory/t/m"], left.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
