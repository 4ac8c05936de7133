using ActorEdge.Persistence.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Registers CRDT grain storage and replication in a service collection.</summary>
public static class CrdtGrainStorageServiceCollectionExtensions
{
    /// <summary>Adds CRDT grain storage named <paramref name="name"/>, configured by <paramref name="configureOptions"/>.</summary>
    public static IServiceCollection AddCrdtGrainStorage(this IServiceCollection services, string name, Action<CrdtStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddCrdtGrainStorage(name, ob => ob.Configure(configureOptions));
    }

    /// <summary>
    /// Adds CRDT grain storage named <paramref name="name"/> (its options are the named
    /// <see cref="CrdtStorageOptions"/> <paramref name="name"/>, validated at start), and the
    /// silo's replicator if not added yet.
    /// </summary>
    public static IServiceCollection AddCrdtGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<CrdtStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = services.AddOptions<CrdtStorageOptions>(name);
        configureOptions?.Invoke(options);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrdtStorageOptions>, CrdtStorageOptionsValidator>());
        services.AddCrdtReplication();
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new CrdtGrainStorage(
            name,
            sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId,
            sp.GetRequiredService<IOptionsMonitor<CrdtStorageOptions>>().Get(name),
            sp.GetRequiredService<CrdtReplicator>()));
        return services;
    }

    /// <summary>Configures the silo's CRDT replication (journal, intervals, scope, registered CRDT types).</summary>
    public static IServiceCollection ConfigureCrdtReplication(this IServiceCollection services, Action<CrdtReplicationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddCrdtReplication();
        services.Configure(configure);
        return services;
    }

    private static void AddCrdtReplication(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(CrdtReplicator)))
        {
            return;
        }
        services.AddOptions<CrdtReplicationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrdtReplicationOptions>, CrdtReplicationOptionsValidator>());
        services.AddSingleton<CrdtReplicator>();
        services.AddSingleton<ISystemTarget>(sp => sp.GetRequiredService<CrdtReplicator>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<CrdtReplicator>());
        services.TryAddSingleton<ICrdtStateFactory, CrdtStateFactory>();
    }
}
