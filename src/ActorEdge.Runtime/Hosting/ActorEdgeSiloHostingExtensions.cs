using System.Net;
using ActorEdge.Placement;
using ActorEdge.Runtime;
using ActorEdge.Runtime.Activations;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Placement;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.SystemTargets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Hosts an ActorEdge silo in a .NET host.</summary>
public static class ActorEdgeSiloHostingExtensions
{
    /// <summary>
    /// Runs an ActorEdge silo in this host. Configure clustering (for example
    /// <see cref="UseLocalhostClustering"/>) and storage in <paramref name="configure"/>.
    /// </summary>
    public static IHostApplicationBuilder UseActorEdge(this IHostApplicationBuilder builder, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddActorEdgeSilo(builder.Configuration, configure);
        return builder;
    }

    /// <summary>Adds an ActorEdge silo to <paramref name="services"/>.</summary>
    public static IServiceCollection AddActorEdgeSilo(this IServiceCollection services, IConfiguration configuration, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(SiloRuntime)))
        {
            throw new InvalidOperationException("UseActorEdge was called twice on the same host.");
        }
        services.AddOptions<SiloOptions>().ValidateOnStart();
        services.AddOptions<MessagingOptions>().ValidateOnStart();
        services.AddOptions<GrainCollectionOptions>().ValidateOnStart();
        services.AddOptions<ClusterMembershipOptions>().ValidateOnStart();
        services.AddOptions<MigrationOptions>().ValidateOnStart();
        services.AddOptions<EdgeOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        services.AddSingleton<SiloOptionsValidator>();
        services.AddSingleton<IValidateOptions<SiloOptions>>(sp => sp.GetRequiredService<SiloOptionsValidator>());
        services.AddSingleton<IValidateOptions<MessagingOptions>>(sp => sp.GetRequiredService<SiloOptionsValidator>());
        services.AddSingleton<IValidateOptions<GrainCollectionOptions>>(sp => sp.GetRequiredService<SiloOptionsValidator>());
        services.AddSingleton<IValidateOptions<ClusterMembershipOptions>>(sp => sp.GetRequiredService<SiloOptionsValidator>());
        services.AddSingleton<IValidateOptions<MigrationOptions>>(sp => sp.GetRequiredService<SiloOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new GrainTypeManifest(RandomPlacement.Instance));
        services.AddSingleton<SiloRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<SiloRuntime>().CallRuntime);
        services.AddSingleton<ILocalSiloDetails>(sp => sp.GetRequiredService<SiloRuntime>().Local);
        services.AddSingleton<ISiloMessenger>(sp => new SiloMessenger(sp.GetRequiredService<SiloRuntime>()));
        services.AddHostedService<SiloHostedService>();
        services.AddKeyedSingleton<IPlacementDirector, RandomPlacementDirector>(typeof(RandomPlacement));
        services.AddKeyedSingleton<IPlacementDirector, PreferLocalPlacementDirector>(typeof(PreferLocalPlacement));
        services.AddKeyedSingleton<IPlacementDirector, HashBasedPlacementDirector>(typeof(HashBasedPlacement));
        services.AddSingleton<ActorEdge.Runtime.Edge.IEdgeTopology>(sp => sp.GetRequiredService<SiloRuntime>().EdgeTopology);
        services.AddKeyedSingleton<IPlacementDirector>(typeof(EdgePlacement), (sp, _) => new EdgePlacementDirector(sp.GetRequiredService<ActorEdge.Runtime.Edge.IEdgeTopology>()));

        configure(new SiloBuilder(services, configuration));

        if (!services.Any(d => d.ServiceType == typeof(IMembershipTable)))
        {
            throw new InvalidOperationException("The silo has no clustering configured: call silo.UseLocalhostClustering(...) or another clustering provider.");
        }
        return services;
    }

    /// <summary>Configures silo options.</summary>
    public static ISiloBuilder Configure<TOptions>(this ISiloBuilder silo, Action<TOptions> configure) where TOptions : class
    {
        silo.Services.Configure(configure);
        return silo;
    }

    /// <summary>
    /// Development clustering on one machine or network with no external service: the silo
    /// whose endpoint is <paramref name="primarySiloEndpoint"/> (or this one, when it is null)
    /// holds the membership table and the grain directory; the others reach them over the
    /// silo transport. The cluster depends on the primary: for development and demos only.
    /// </summary>
    public static ISiloBuilder UseLocalhostClustering(this ISiloBuilder silo, int port = 11111, IPEndPoint? primarySiloEndpoint = null, string clusterId = "dev", string serviceId = "actoredge")
    {
        silo.Configure<SiloOptions>(o =>
        {
            o.Port = port;
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        var isPrimary = primarySiloEndpoint is null || (primarySiloEndpoint.Port == port && IPAddress.IsLoopback(primarySiloEndpoint.Address));
        silo.Services.AddSingleton(new DevelopmentClustering(isPrimary ? null : new SiloAddress(primarySiloEndpoint!, 0)));
        if (isPrimary)
        {
            silo.Services.AddSingleton<IMembershipTable>(sp => new InMemoryMembershipTable(sp.GetRequiredService<TimeProvider>()));
            silo.Services.AddSingleton<IGrainDirectory, InMemoryGrainDirectory>();
        }
        else
        {
            var primary = new SiloAddress(primarySiloEndpoint!, 0);
            silo.Services.AddSingleton<IMembershipTable>(sp => new RemoteMembershipTable(sp.GetRequiredService<SiloRuntime>(), primary));
            silo.Services.AddSingleton<IGrainDirectory>(sp => new RemoteGrainDirectory(sp.GetRequiredService<SiloRuntime>(), primary));
        }
        return silo;
    }

    /// <summary>Uses a membership table and grain directory shared by silos of this process (for test clusters).</summary>
    internal static ISiloBuilder UseInProcessClustering(this ISiloBuilder silo, IMembershipTable table, IGrainDirectory directory)
    {
        silo.Services.AddSingleton(table);
        silo.Services.AddSingleton(directory);
        return silo;
    }

    /// <summary>Adds grain storage named <paramref name="name"/> that keeps state in the silo's memory (tests and demos).</summary>
    public static ISiloBuilder AddMemoryGrainStorage(this ISiloBuilder silo, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new MemoryGrainStorage(sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId));
        return silo;
    }

    /// <summary>
    /// Adds grain storage named <paramref name="name"/> kept in the memory of the development
    /// primary silo (see <see cref="UseLocalhostClustering"/>), so that state survives the loss of
    /// any other silo of a local cluster. For development and demos only.
    /// </summary>
    public static ISiloBuilder AddDevelopmentGrainStorage(this ISiloBuilder silo, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new DevelopmentGrainStorage(
            name,
            sp.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId,
            sp.GetRequiredService<SiloRuntime>(),
            (sp.GetService<DevelopmentClustering>() ?? throw new InvalidOperationException("AddDevelopmentGrainStorage needs UseLocalhostClustering.")).Primary));
        return silo;
    }

    /// <summary>Adds memory grain storage as the default provider.</summary>
    public static ISiloBuilder AddMemoryGrainStorageAsDefault(this ISiloBuilder silo) => silo.AddMemoryGrainStorage(StorageNames.Default);
}

/// <summary>Where the development primary silo is; null on the primary itself.</summary>
internal sealed record DevelopmentClustering(SiloAddress? Primary);
