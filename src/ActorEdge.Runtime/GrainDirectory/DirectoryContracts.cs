namespace ActorEdge.Runtime.GrainDirectory;

/// <summary>Where one activation of a grain lives.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="Silo">The silo hosting the activation.</param>
/// <param name="ActivationId">Distinguishes successive activations of the grain on the same silo.</param>
public sealed record GrainAddress(GrainId GrainId, SiloAddress Silo, long ActivationId);

/// <summary>
/// The cluster's map from grain to activation, which enforces a single activation per grain.
/// Implementations: in-memory (one process), the development primary silo, etcd.
/// </summary>
public interface IGrainDirectory
{
    /// <summary>
    /// Registers <paramref name="address"/> if the grain has no entry, or if its entry equals
    /// <paramref name="previousAddress"/> (compare-and-swap, for migration and for replacing the
    /// entry of a dead silo). Returns the entry that holds afterwards: <paramref name="address"/>
    /// if it won, else the existing one.
    /// </summary>
    Task<GrainAddress> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry if it equals <paramref name="address"/>.</summary>
    Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>The grain's entry, or null.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry on the given (dead) silos.</summary>
    Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default);
}
