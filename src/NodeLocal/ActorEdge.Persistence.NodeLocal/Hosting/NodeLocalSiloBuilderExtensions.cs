using ActorEdge.Persistence.NodeLocal;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Adds node-local grain storage to a silo.</summary>
public static class NodeLocalSiloBuilderExtensions
{
    /// <summary>Adds node-local grain storage named <paramref name="name"/> (use <see cref="StorageNames.Reactive"/> for Reactive grains).</summary>
    public static ISiloBuilder AddNodeLocalGrainStorage(this ISiloBuilder silo, string name, Action<NodeLocalStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddNodeLocalGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds node-local grain storage named <paramref name="name"/>, configured through an options builder (binding, validation).</summary>
    public static ISiloBuilder AddNodeLocalGrainStorage(this ISiloBuilder silo, string name, Action<OptionsBuilder<NodeLocalStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddNodeLocalGrainStorage(name, configureOptions);
        return silo;
    }

    /// <summary>Adds node-local grain storage as the default provider.</summary>
    public static ISiloBuilder AddNodeLocalGrainStorageAsDefault(this ISiloBuilder silo, Action<NodeLocalStorageOptions> configureOptions) =>
        silo.AddNodeLocalGrainStorage(StorageNames.Default, configureOptions);

    /// <summary>Adds node-local grain storage as the default provider, configured through an options builder.</summary>
    public static ISiloBuilder AddNodeLocalGrainStorageAsDefault(this ISiloBuilder silo, Action<OptionsBuilder<NodeLocalStorageOptions>>? configureOptions = null) =>
        silo.AddNodeLocalGrainStorage(StorageNames.Default, configureOptions);
}
