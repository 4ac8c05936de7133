using ActorEdge.Clustering.Etcd;
using ActorEdge.Etcd;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Registers etcd membership and grain directory in a service collection.</summary>
public static class EtcdClusteringServiceCollectionExtensions
{
    /// <summary>
    /// Uses etcd for the membership table and the grain directory of the silo, replacing any
    /// clustering registered before. Both share one client and one lease per silo.
    /// </summary>
    public static IServiceCollection AddEtcdClustering(this IServiceCollection services, Action<OptionsBuilder<EtcdClusteringOptions>>? configureOptions = null)
    {
        configureOptions?.Invoke(services.AddOptions<EtcdClusteringOptions>());
        services.AddOptions<EtcdClusteringOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdClusteringOptions>, EtcdClusteringOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EtcdClusteringOptions>>().Value;
            var prefix = options.KeyPrefix ?? $"actoredge-cluster/{sp.GetRequiredService<IOptions<SiloOptions>>().Value.ClusterId}";
            var loggers = sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            var client = new EtcdClient(options.Client, loggers.CreateLogger<EtcdClient>(), sp.GetRequiredService<TimeProvider>());
            return new EtcdSiloLease(client, prefix, options.LeaseTtl, loggers.CreateLogger<EtcdSiloLease>());
        });
        services.RemoveAll<IMembershipTable>();
        services.RemoveAll<IGrainDirectory>();
        services.AddSingleton<IMembershipTable>(sp => new EtcdMembershipTable(
            sp.GetRequiredService<EtcdSiloLease>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<EtcdClusteringOptions>>().Value.DefunctSiloRetention));
        services.AddSingleton<IGrainDirectory>(sp => new EtcdGrainDirectory(sp.GetRequiredService<EtcdSiloLease>(), sp.GetRequiredService<IOptions<EtcdClusteringOptions>>().Value.WatchDirectory));
        return services;
    }
}
