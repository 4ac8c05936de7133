using ActorEdge.Hosting;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Migration;

/// <summary>Centralized on one store shared by every silo (the in-process stand-in for a central server).</summary>
public sealed class CentralizedMemoryStrategyTests : MigrationStrategyTestsBase
{
    private readonly CountingStorage _store = new(new MemoryGrainStorage("actoredge"));

    protected override MigrationStrategy Strategy => MigrationStrategy.Centralized;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Centralized, _store);

    protected override Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        // Only the first activation read storage: every migrated one received the state with its ETag.
        Assert.Equal(1, _store.Reads);
        return Task.CompletedTask;
    }
}

/// <summary>Reactive on a store per silo whose records move with the grain (the runtime's side; real node-local stores have their own suites).</summary>
public sealed class ReactiveNodeStoreStrategyTests : MigrationStrategyTestsBase
{
    private readonly NodeStores _stores = new();

    protected override MigrationStrategy Strategy => MigrationStrategy.Reactive;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Reactive, _stores.For(index));

    protected override Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        Assert.Equal([hostIndex], _stores.Holders(grainId));
        return Task.CompletedTask;
    }
}
