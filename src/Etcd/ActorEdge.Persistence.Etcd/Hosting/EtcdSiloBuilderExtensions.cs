using ActorEdge.Persistence.Etcd;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Adds etcd grain storage to a silo.</summary>
public static class EtcdSiloBuilderExtensions
{
    /// <summary>Adds etcd grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddEtcdGrainStorage(this ISiloBuilder silo, string name, Action<EtcdStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return silo.AddEtcdGrainStorage(name, builder => builder.Configure(configure));
    }

    /// <summary>Adds etcd grain storage named <paramref name="name"/>, configured through an options builder (binding, validation).</summary>
    public static ISiloBuilder AddEtcdGrainStorage(this ISiloBuilder silo, string name, Action<OptionsBuilder<EtcdStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddEtcdGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds etcd grain storage as the default provider (used by <c>[PersistentState]</c> without a storage name).</summary>
    public static ISiloBuilder AddEtcdGrainStorageAsDefault(this ISiloBuilder silo, Action<EtcdStorageOptions> configure) =>
        silo.AddEtcdGrainStorage(StorageNames.Default, configure);

    /// <summary>Adds etcd grain storage as the default provider, configured through an options builder.</summary>
    public static ISiloBuilder AddEtcdGrainStorageAsDefault(this ISiloBuilder silo, Action<OptionsBuilder<EtcdStorageOptions>>? configureOptions = null) =>
        silo.AddEtcdGrainStorage(StorageNames.Default, configureOptions);
}
