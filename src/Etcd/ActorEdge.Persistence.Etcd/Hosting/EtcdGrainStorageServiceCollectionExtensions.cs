using ActorEdge.Etcd;
using ActorEdge.Persistence.Etcd;
using ActorEdge.Persistence.Etcd.Migration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Registers etcd grain storage in a service collection.</summary>
public static class EtcdGrainStorageServiceCollectionExtensions
{
    /// <summary>Adds etcd grain storage named <paramref name="name"/>, with options named after it.</summary>
    public static IServiceCollection AddEtcdGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<EtcdStorageOptions>>? configureOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        configureOptions?.Invoke(services.AddOptions<EtcdStorageOptions>(name));
        services.AddOptions<EtcdStorageOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdStorageOptions>, EtcdStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<EtcdStorageOptions>>().Get(name);
            var prefix = options.KeyPrefix ?? sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId;
            var loggers = sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            var timeProvider = sp.GetRequiredService<TimeProvider>();
            if (options.Migration == EtcdMigrationMode.Replicated)
            {
                options.Client.AttemptTimeout ??= EtcdStorageOptions.DefaultReplicatedAttemptTimeout;
            }
            var client = new EtcdClient(options.Client, loggers.CreateLogger<EtcdClient>(), timeProvider);
            var logger = loggers.CreateLogger<EtcdGrainStorage>();
            return EtcdMigratingGrainStorage.For(new EtcdGrainStorage(name, prefix, options, client, ownsClient: true, logger, timeProvider), logger, timeProvider);
        });
        return services;
    }
}
