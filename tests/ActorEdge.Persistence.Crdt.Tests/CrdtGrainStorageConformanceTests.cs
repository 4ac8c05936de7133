using ActorEdge.Hosting;
using ActorEdge.Testing;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>One silo with CRDT storage (and a journal), for the shared storage contract.</summary>
public sealed class SingleSiloFixture : IAsyncLifetime
{
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"crdt-conformance-{Guid.NewGuid():N}");

    public TestCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ConnectClient = false;
        builder.ConfigureSilos(s => s.AddCrdtGrainStorage("crdt").ConfigureCrdtReplication(o => o.JournalDirectory = _journal));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(_journal, recursive: true);
    }
}

public sealed class CrdtGrainStorageConformanceTests(SingleSiloFixture fixture) : GrainStorageTestsBase, IClassFixture<SingleSiloFixture>
{
    protected override IGrainStorage Storage => fixture.Cluster.Silos[0].Services.GetRequiredKeyedService<IGrainStorage>("crdt");
}
