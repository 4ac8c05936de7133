using Xunit;

namespace ActorEdge.Redis.Testing;

/// <summary>One redis-server shared by the tests of an assembly that do not stop it.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServerProcess Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await RedisServerProcess.StartAsync(RedisServerKind.Redis);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>One Garnet server shared by the tests of an assembly that do not stop it.</summary>
public sealed class GarnetServerFixture : IAsyncLifetime
{
    public RedisServerProcess Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await RedisServerProcess.StartAsync(RedisServerKind.Garnet);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
