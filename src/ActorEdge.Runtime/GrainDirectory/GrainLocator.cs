using System.Collections.Concurrent;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Runtime.GrainDirectory;

/// <summary>
/// The silo's view of the grain directory: a lookup cache in front of <see cref="IGrainDirectory"/>,
/// corrected when a message reaches the wrong silo, purged of silos that died, and aware that
/// an entry on a dead silo is no entry at all (it is replaced by compare-and-swap). A directory
/// that is also an <see cref="IGrainDirectoryWatcher"/> tells it which cached entries changed.
/// </summary>
internal sealed class GrainLocator
{
    private const int MaxCacheEntries = 200_000;
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly KeyValuePair<string, object?> CacheHit = new("cache", "hit");
    private static readonly KeyValuePair<string, object?> CacheMiss = new("cache", "miss");

    private readonly ConcurrentDictionary<GrainId, GrainAddress> _cache = new();
    private readonly IGrainDirectory _directory;
    private readonly ClusterMembershipService _membership;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watchLoop;

    public GrainLocator(IGrainDirectory directory, ClusterMembershipService membership)
    {
        _directory = directory;
        _membership = membership;
        membership.SiloDied += OnSiloDied;
    }

    public int CacheCount => _cache.Count;

    /// <summary>Subscribes to the directory's changes, when it reports them.</summary>
    public void Start()
    {
        if (_directory is IGrainDirectoryWatcher watcher && _watchLoop is null)
        {
            _watchLoop = WatchLoopAsync(watcher, _stopping.Token);
        }
    }

    /// <summary>Ends the subscription.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watchLoop is not null)
        {
            await _watchLoop.ConfigureAwait(false);
        }
    }

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

    /// <summary>The cached entry of <paramref name="grainId"/>, or null; counts no lookup (for tests and diagnostics).</summary>
    public GrainAddress? PeekCached(GrainId grainId) => _cache.TryGetValue(grainId, out var address) ? address : null;

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
        // Entries that name no live activation do not count: replace them atomically (a swap that
        // finds the entry gone leaves null, and the next pass registers over the absence). They are
        // a dead silo's, or another activation of this silo's: a silo hosts one activation of a
        // grain at a time, and the registering one is it (a migration's fence is such an entry).
        while (winner is null || (!winner.Equals(address) && (_membership.IsDead(winner.Silo) || winner.Silo.Equals(address.Silo))))
        {
            winner = await _directory.RegisterAsync(address, winner, cancellationToken).ConfigureAwait(false);
        }
        UpdateCache(winner);
        return winner;
    }

    /// <summary>
    /// Moves the grain's entry from <paramref name="previous"/> (the migration source) to
    /// <paramref name="address"/> by compare-and-swap; returns the entry that holds afterwards
    /// (null: there is none, and nothing was registered).
    /// </summary>
    public async Task<GrainAddress?> RegisterMigratedAsync(GrainAddress address, GrainAddress previous, CancellationToken cancellationToken = default)
    {
        var winner = await _directory.RegisterAsync(address, previous, cancellationToken).ConfigureAwait(false);
        if (winner is not null)
        {
            UpdateCache(winner);
        }
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

    /// <summary>
    /// Drops a cached entry that differs from the changed one. It never inserts: an event older
    /// than a lookup can at worst cost a cache miss, never a wrong address.
    /// </summary>
    internal void OnDirectoryChanged(GrainDirectoryChange change)
    {
        if (_cache.TryGetValue(change.GrainId, out var cached) && !cached.Equals(change.Address))
        {
            _cache.TryRemove(new KeyValuePair<GrainId, GrainAddress>(change.GrainId, cached));
        }
    }

    private async Task WatchLoopAsync(IGrainDirectoryWatcher watcher, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    OnDirectoryChanged(change);
                }
                return;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Changes missed meanwhile only cost forwarded calls; subscribe again after a pause.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await Task.Delay(WatchRetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

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
