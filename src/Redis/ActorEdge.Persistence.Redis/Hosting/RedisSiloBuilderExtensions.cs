using ActorEdge.Persistence.Redis;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Adds Redis grain storage to a silo.</summary>
public static class RedisSiloBuilderExtensions
{
    /// <summary>Adds Redis grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddRedisGrainStorage(this ISiloBuilder silo, string name, Action<RedisStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddRedisGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds Redis grain storage named <paramref name="name"/>, configured through an options builder (binding, validation).</summary>
    public static ISiloBuilder AddRedisGrainStorage(this ISiloBuilder silo, string name, Action<OptionsBuilder<RedisStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddRedisGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds Redis grain storage as the default provider.</summary>
    public static ISiloBuilder AddRedisGrainStorageAsDefault(this ISiloBuilder silo, Action<RedisStorageOptions> configureOptions) =>
        silo.AddRedisGrainStorage(StorageNames.Default, configureOptions);

    /// <summary>Adds Redis grain storage as the default provider, configured through an options builder.</summary>
    public static ISiloBuilder AddRedisGrainStorageAsDefault(this ISiloBuilder silo, Action<OptionsBuilder<RedisStorageOptions>>? configureOptions = null) =>
        silo.AddRedisGrainStorage(StorageNames.Default, configureOptions);
}
