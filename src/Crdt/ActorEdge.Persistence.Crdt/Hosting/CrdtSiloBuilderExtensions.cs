using ActorEdge.Persistence.Crdt;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Adds CRDT grain storage (state replicated to every silo) to a silo.</summary>
public static class CrdtSiloBuilderExtensions
{
    /// <summary>Adds CRDT grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddCrdtGrainStorage(this ISiloBuilder silo, string name, Action<CrdtStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddCrdtGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds CRDT grain storage named <paramref name="name"/>, configured through an options builder (binding, validation).</summary>
    public static ISiloBuilder AddCrdtGrainStorage(this ISiloBuilder silo, string name, Action<OptionsBuilder<CrdtStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddCrdtGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds CRDT grain storage as the default provider.</summary>
    public static ISiloBuilder AddCrdtGrainStorageAsDefault(this ISiloBuilder silo, Action<CrdtStorageOptions> configureOptions) =>
        silo.AddCrdtGrainStorage(StorageNames.Default, configureOptions);

    /// <summary>Adds CRDT grain storage as the default provider, configured through an options builder.</summary>
    public static ISiloBuilder AddCrdtGrainStorageAsDefault(this ISiloBuilder silo, Action<OptionsBuilder<CrdtStorageOptions>>? configureOptions = null) =>
        silo.AddCrdtGrainStorage(StorageNames.Default, configureOptions);

    /// <summary>Configures the silo's CRDT replication: journal folder, send and anti-entropy intervals, replication scope, CRDT types.</summary>
    public static ISiloBuilder ConfigureCrdtReplication(this ISiloBuilder silo, Action<CrdtReplicationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.ConfigureCrdtReplication(configure);
        return silo;
    }
}
