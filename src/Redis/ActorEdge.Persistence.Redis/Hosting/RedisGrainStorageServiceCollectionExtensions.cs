using ActorEdge.Persistence.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Registers Redis grain storage in a service collection.</summary>
public static class RedisGrainStorageServiceCollectionExtensions
{
    /// <summary>Adds Redis grain storage named <paramref name="name"/>, configured by <paramref name="configureOptions"/>.</summary>
    public static IServiceCollection AddRedisGrainStorage(this IServiceCollection services, string name, Action<RedisStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddRedisGrainStorage(name, ob => ob.Configure(configureOptions));
    }

    /// <summary>
    /// Adds Redis grain storage named <paramref name="name"/>; its options are the named
    /// <see cref="RedisStorageOptions"/> <paramref name="name"/>, validated at start.
    /// </summary>
    public static IServiceCollection AddRedisGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<RedisStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = services.AddOptions<RedisStorageOptions>(name);
        configureOptions?.Invoke(options);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStorageOptions>, RedisStorageOptionsValidator>());
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new RedisGrainStorage(
            name,
            sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId,
            sp.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>().Get(name),
            sp.GetRequiredService<ILogger<RedisGrainStorage>>()));
        return services;
    }
}
