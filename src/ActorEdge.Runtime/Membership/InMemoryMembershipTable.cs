namespace ActorEdge.Runtime.Membership;

/// <summary>A membership table in this process: for silos sharing one process, and held by the development primary silo.</summary>
internal sealed class InMemoryMembershipTable(TimeProvider timeProvider) : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, SiloEntry> _entries = [];

    public Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<SiloEntry>>([.. _entries.Values]);
        }
    }

    public Task UpsertAsync(SiloEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Address, out var existing) && existing.Status == SiloStatus.Dead)
            {
                return Task.FromException(new SiloDeclaredDeadException(entry.Address));
            }
            _entries[entry.Address] = entry with { LastHeartbeat = timeProvider.GetUtcNow() };
            return Task.CompletedTask;
        }
    }

    public Task MarkDeadAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(silo, out var existing))
            {
                _entries[silo] = existing with { Status = SiloStatus.Dead };
            }
            return Task.CompletedTask;
        }
    }
}
