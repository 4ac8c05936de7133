using ActorEdge.Clustering.Etcd;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Configures a silo to cluster through etcd.</summary>
public static class EtcdClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Uses etcd for membership (each silo's entry lives under its lease, renewed by keep-alive; a
    /// silo whose lease expired is dead) and for the grain directory (entries bound to the hosting
    /// silo's lease, so they vanish with it).
    /// </summary>
    public static ISiloBuilder UseEtcdClustering(this ISiloBuilder silo, Action<EtcdClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return silo.UseEtcdClustering(builder => builder.Configure(configure));
    }

    /// <summary>Uses etcd for membership and the grain directory, configured through an options builder.</summary>
    public static ISiloBuilder UseEtcdClustering(this ISiloBuilder silo, Action<OptionsBuilder<EtcdClusteringOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddEtcdClustering(configureOptions);
        return silo;
    }
}
