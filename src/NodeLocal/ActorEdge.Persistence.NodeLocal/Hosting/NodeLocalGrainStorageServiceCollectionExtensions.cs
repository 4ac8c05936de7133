using ActorEdge.Persistence.NodeLocal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Registers node-local grain storage in a service collection.</summary>
public static class NodeLocalGrainStorageServiceCollectionExtensions
{
    /// <summary>Adds node-local grain storage named <paramref name="name"/>, configured by <paramref name="configureOptions"/>.</summary>
    public static IServiceCollection AddNodeLocalGrainStorage(this IServiceCollection services, string name, Action<NodeLocalStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddNodeLocalGrainStorage(name, ob => ob.Configure(configureOptions));
    }

    /// <summary>
    /// Adds node-local grain storage named <paramref name="name"/> (also an
    /// <see cref="IGrainStorageMigration"/> whose record moves with the grain); its options are the
    /// named <see cref="NodeLocalStorageOptions"/> <paramref name="name"/>, validated at start.
    /// </summary>
    public static IServiceCollection AddNodeLocalGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<NodeLocalStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = services.AddOptions<NodeLocalStorageOptions>(name);
        configureOptions?.Invoke(options);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NodeLocalStorageOptions>, NodeLocalStorageOptionsValidator>());
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) =>
        {
            var storageOptions = sp.GetRequiredService<IOptionsMonitor<NodeLocalStorageOptions>>().Get(name);
            var root = storageOptions.RootPath ?? DefaultRootPath(sp.GetService<ILocalSiloDetails>()?.NodeName ?? Environment.MachineName, name);
            return new NodeLocalGrainStorage(
                name,
                sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId,
                root,
                storageOptions,
                sp.GetRequiredService<ILogger<NodeLocalGrainStorage>>());
        });
        return services;
    }

    /// <summary>The root used when <see cref="NodeLocalStorageOptions.RootPath"/> is null: <c>{temp}/actoredge-nodelocal/{nodeName}/{name}</c>.</summary>
    public static string DefaultRootPath(string nodeName, string name) =>
        Path.Combine(Path.GetTempPath(), "actoredge-nodelocal", RecordLayout.Escape(nodeName), RecordLayout.Escape(name));
}
