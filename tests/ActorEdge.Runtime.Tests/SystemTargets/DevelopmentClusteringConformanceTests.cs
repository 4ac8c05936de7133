using ActorEdge.Hosting;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Testing;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.SystemTargets;

/// <summary>
/// Two silos in development clustering: the second reaches the primary's directory, membership
/// table and storage over TCP, through the same contracts as any provider.
/// </summary>
public sealed class DevelopmentClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>The silo that is not the primary: everything it uses is remote.</summary>
    public SiloHandle Secondary => Cluster.Silos[1];

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.UseDevelopmentClustering = true;
        builder.Options.ConnectClient = false;
        builder.ConfigureSilos(s => s.AddDevelopmentGrainStorage("store"));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class RemoteGrainDirectoryTests(DevelopmentClusterFixture fixture) : GrainDirectoryTestsBase, IClassFixture<DevelopmentClusterFixture>
{
    protected override IGrainDirectory Directory => Assert.IsType<RemoteGrainDirectory>(fixture.Secondary.Services.GetRequiredService<IGrainDirectory>());
}

public sealed class RemoteMembershipTableTests(DevelopmentClusterFixture fixture) : MembershipTableTestsBase, IClassFixture<DevelopmentClusterFixture>
{
    protected override IMembershipTable Table => Assert.IsType<RemoteMembershipTable>(fixture.Secondary.Services.GetRequiredService<IMembershipTable>());
}

public sealed class DevelopmentGrainStorageTests(DevelopmentClusterFixture fixture) : GrainStorageTestsBase, IClassFixture<DevelopmentClusterFixture>
{
    protected override IGrainStorage Storage => fixture.Secondary.Services.GetRequiredKeyedService<IGrainStorage>("store");
}
