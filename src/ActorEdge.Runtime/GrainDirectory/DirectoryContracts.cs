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
    /// Without <paramref name="previousAddress"/>, registers <paramref name="address"/> if the grain
    /// has no entry. With it, replaces the entry only if it equals <paramref name="previousAddress"/>
    /// (compare-and-swap, for migration and for replacing the entry of a dead silo); a missing entry
    /// is not replaced, so a swap that arrives after its entry was removed changes nothing. Returns
    /// the entry that holds afterwards: <paramref name="address"/> if it won, else the existing one,
    /// or null when a swap found no entry.
    /// </summary>
    Task<GrainAddress?> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry if it equals <paramref name="address"/>.</summary>
    Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>The grain's entry, or null.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry on the given (dead) silos.</summary>
    Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default);
}

/// <summary>
/// An optional capability of an <see cref="IGrainDirectory"/>: it reports entries changed by any
/// silo, so each silo drops the cached lookups that no longer hold (a grain re-registered
/// elsewhere, migrated, or unregistered) before a call is sent to the wrong silo.
/// </summary>
/// <remarks>
/// Only an optimization: a call that reaches the wrong silo is forwarded and the cache corrected
/// anyway. Throwing ends the subscription and the runtime subscribes again; ending without an
/// error means the directory reports no changes (for example, turned off by configuration).
/// </remarks>
public interface IGrainDirectoryWatcher
{
    /// <summary>The changes of the directory, until <paramref name="cancellationToken"/> is cancelled.</summary>
    IAsyncEnumerable<GrainDirectoryChange> WatchAsync(CancellationToken cancellationToken);
}

/// <summary>A change of the grain directory, as reported by an <see cref="IGrainDirectoryWatcher"/>.</summary>
/// <param name="GrainId">The grain whose entry changed.</param>
/// <param name="Address">Its entry after the change, or null when it was removed.</param>
public readonly record struct GrainDirectoryChange(GrainId GrainId, GrainAddress? Address);
