using System.Collections.Concurrent;

namespace ActorEdge.Runtime.GrainDirectory;

/// <summary>A grain directory in this process: shared by silos in one process, and held by the development primary silo.</summary>
internal sealed class InMemoryGrainDirectory : IGrainDirectory
{
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _entries = new();

    public int Count => _entries.Count;

    public Task<GrainAddress?> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_entries.TryGetValue(address.GrainId, out var existing))
            {
                if (existing.Equals(address))
                {
                    return Task.FromResult<GrainAddress?>(existing);
                }
                if (previousAddress is null || !existing.Equals(previousAddress))
                {
                    return Task.FromResult<GrainAddress?>(existing);
                }
                if (_entries.TryUpdate(address.GrainId, address, existing))
                {
                    return Task.FromResult<GrainAddress?>(address);
                }
            }
            else if (previousAddress is not null)
            {
                return Task.FromResult<GrainAddress?>(null);
            }
            else if (_entries.TryAdd(address.GrainId, address))
            {
                return Task.FromResult<GrainAddress?>(address);
            }
        }
    }

    public Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        _entries.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));
        return Task.CompletedTask;
    }

    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.TryGetValue(grainId, out var address) ? address : null);

    public Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        foreach (var entry in _entries)
        {
            foreach (var silo in silos)
            {
                if (entry.Value.Silo.Equals(silo))
                {
                    _entries.TryRemove(entry);
                    break;
                }
            }
        }
        return Task.CompletedTask;
    }
}
