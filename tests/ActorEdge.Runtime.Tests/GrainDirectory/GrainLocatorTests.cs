using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorEdge.Runtime.Tests.GrainDirectory;

public sealed class GrainLocatorTests
{
    private static readonly SiloAddress SiloA = new(new IPEndPoint(IPAddress.Loopback, 3001), 1);
    private static readonly SiloAddress SiloB = new(new IPEndPoint(IPAddress.Loopback, 3002), 1);

    [Fact]
    public void OnDirectoryChanged_DropsOnlyCachedEntriesThatDiffer()
    {
        var locator = Create();
        var moved = new GrainAddress(new GrainId("t", "moved"), SiloA, 1);
        var same = new GrainAddress(new GrainId("t", "same"), SiloA, 2);
        var removed = new GrainAddress(new GrainId("t", "removed"), SiloA, 3);
        locator.UpdateCache(moved);
        locator.UpdateCache(same);
        locator.UpdateCache(removed);

        locator.OnDirectoryChanged(new GrainDirectoryChange(moved.GrainId, moved with { Silo = SiloB }));
        locator.OnDirectoryChanged(new GrainDirectoryChange(same.GrainId, same));
        locator.OnDirectoryChanged(new GrainDirectoryChange(removed.GrainId, null));
        locator.OnDirectoryChanged(new GrainDirectoryChange(new GrainId("t", "uncached"), moved));

        Assert.False(locator.TryLookupCached(moved.GrainId, out _));
        Assert.True(locator.TryLookupCached(same.GrainId, out var kept));
        Assert.Equal(same, kept);
        Assert.False(locator.TryLookupCached(removed.GrainId, out _));
        Assert.Equal(1, locator.CacheCount);
    }

    private static GrainLocator Create() => new(
        new InMemoryGrainDirectory(),
        new ClusterMembershipService(new InMemoryMembershipTable(TimeProvider.System), Options.Create(new ClusterMembershipOptions()), TimeProvider.System, NullLogger<ClusterMembershipService>.Instance));
}
