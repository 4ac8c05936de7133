using System.Collections.Concurrent;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Runtime.GrainDirectory;

/// <summary>
/// The silo's view of the grain directory: a lookup cache in front of <see cref="IGrainDirectory"/>,
/// corrected when a message reaches the wrong silo, purged of silos that died, and aware that
/// an entry on a dead silo is no entry at all (it is replaced by compare-and-swap).
/// </summary>
internal sealed class GrainLocator
{
    private const int MaxCacheEntries = 200_000;
    private static readonly KeyValuePair<string, object?> CacheHit = new("cache", "hit");
    private static readonly KeyValuePair<string, object?> CacheMiss = new("cache", "miss");

    private readonly ConcurrentDictionary<GrainId, GrainAddress> _cache = new();
    private readonly IGrainDirectory _directory;
    private readonly ClusterMembershipService _membership;

    public GrainLocator(IGrainDirectory directory, ClusterMembershipService membership)
    {
        _directory = directory;
        _membership = membership;
        membership.SiloDied += OnSiloDied;
    }

    public int CacheCount => _cache.Count;

    public bool TryLookupCached(GrainId grainId, out GrainAddress? address)
    {
        if (_cache.TryGetValue(grainId, out address) && !_membership.IsDead(address.Silo))
        {
            ActorEdgeInstruments.DirectoryLookups.Add(1, CacheHit);
            return true;
        }
        address = null;
        return false;
    }

    /// <summary>The live activation of <paramref name="grainId"/> per the directory, or null.</summary>
    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        ActorEdgeInstruments.DirectoryLookups.Add(1, CacheMiss);
        var address = await _directory.LookupAsync(grainId, cancellationToken).ConfigureAwait(false);
        if (address is null || _membership.IsDead(address.Silo))
        {
            _cache.TryRemove(grainId, out _);
            return null;
        }
        UpdateCache(address);
        return address;
    }

    /// <summary>Registers an activation; returns the winner (ours, or the one already registered on a live silo).</summary>
    public async Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        var winner = await _directory.RegisterAsync(address, null, cancellationToken).ConfigureAwait(false);
        // An entry left by a dead silo does not count: replace it atomically.
        while (!winner.Equals(address) && _membership.IsDead(winner.Silo))
        {
            winner = await _directory.RegisterAsync(address, winner, cancellationToken).ConfigureAwait(false);
        }
        UpdateCache(winner);
        return winner;
    }

    /// <summary>
    /// Moves the grain's entry from <paramref name="previous"/> (the migration source) to
    /// <paramref name="address"/> by compare-and-swap; returns the entry that holds afterwards.
    /// </summary>
    public async Task<GrainAddress> RegisterMigratedAsync(GrainAddress address, GrainAddress previous, CancellationToken cancellationToken = default)
    {
        var winner = await _directory.RegisterAsync(address, previous, cancellationToken).ConfigureAwait(false);
        UpdateCache(winner);
        return winner;
    }

    public async Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        _cache.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));
        await _directory.UnregisterAsync(address, cancellationToken).ConfigureAwait(false);
    }

    public void UpdateCache(GrainAddress address)
    {
        if (_cache.Count >= MaxCacheEntries)
        {
            // Crude but bounded: start over rather than track recency on the hot path.
            _cache.Clear();
        }
        _cache[address.GrainId] = address;
    }

    public void Invalidate(GrainId grainId) => _cache.TryRemove(grainId, out _);

    public void Invalidate(GrainAddress address) => _cache.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));

    private void OnSiloDied(SiloAddress silo)
    {
        foreach (var entry in _cache)
        {
            if (entry.Value.Silo.Equals(silo))
            {
                _cache.TryRemove(entry);
            }
        }
        _ = CleanupDirectoryAsync(silo);
    }

    private async Task CleanupDirectoryAsync(SiloAddress silo)
    {
        try
        {
            await _directory.UnregisterSilosAsync([silo]).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: entries of a dead silo are also ignored and replaced on registration.
        }
    }
}
