using ActorEdge.Hosting;
using ActorEdge.Redis.Testing;
using ActorEdge.Testing.Migration;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Persistence.Redis.Migration;

/// <summary>The Centralized strategy on a real redis-server: only compute moves, the ETag stays valid at the central store.</summary>
public sealed class RedisCentralizedStrategyTests(RedisServerFixture fixture) : MigrationStrategyTestsBase, IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = $"centralized-{Guid.NewGuid():N}";

    protected override MigrationStrategy Strategy => MigrationStrategy.Centralized;

    protected override void ConfigureSilo(ISiloBuilder silo, int index) =>
        silo.AddRedisGrainStorage(StorageNames.Centralized, o =>
        {
            o.Host = "127.0.0.1";
            o.Port = fixture.Server.Port;
            o.KeyPrefix = _prefix;
        });

    protected override async Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count)
    {
        // One record, in Redis, whatever silo hosts the grain: the central store is the only home.
        var keys = (await fixture.Server.CliAsync("--scan", "--pattern", _prefix + "*")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(keys);
    }
}
