namespace ActorEdge.Runtime.Membership;

/// <summary>The lifecycle of a silo in the membership table.</summary>
public enum SiloStatus
{
    /// <summary>Starting; not yet hosting grains.</summary>
    Joining = 0,
    /// <summary>Hosting grains.</summary>
    Active = 1,
    /// <summary>Stopping gracefully; takes no new activations.</summary>
    ShuttingDown = 2,
    /// <summary>Gone. Terminal: a restarted silo joins with a new generation.</summary>
    Dead = 3,
}

/// <summary>One silo as recorded in the membership table.</summary>
/// <param name="Address">The silo's address.</param>
/// <param name="SiloName">A name for logs.</param>
/// <param name="NodeName">The edge node the silo runs on.</param>
/// <param name="Zone">The zone of that node, if any.</param>
/// <param name="Status">Its status.</param>
/// <param name="LastHeartbeat">When the table last heard from it, on the table's clock.</param>
public sealed record SiloEntry(SiloAddress Address, string SiloName, string NodeName, string? Zone, SiloStatus Status, DateTimeOffset LastHeartbeat);

/// <summary>
/// Where silos record themselves and learn about each other. Implementations: in-memory (one
/// process), the development primary silo, etcd, Kubernetes. Liveness is judged by the
/// runtime from <see cref="SiloEntry.LastHeartbeat"/> (or by the provider, for lease-based
/// stores, by omitting or marking dead entries whose lease expired).
/// </summary>
public interface IMembershipTable
{
    /// <summary>Every entry, dead ones included until cleaned up.</summary>
    Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts or updates the entry of <see cref="SiloEntry.Address"/> and stamps its heartbeat
    /// with the table's clock. An entry already <see cref="SiloStatus.Dead"/> stays dead, and
    /// the call throws <see cref="SiloDeclaredDeadException"/>.
    /// </summary>
    Task UpsertAsync(SiloEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Marks a silo dead. Idempotent.</summary>
    Task MarkDeadAsync(SiloAddress silo, CancellationToken cancellationToken = default);
}

/// <summary>
/// An optional capability of an <see cref="IMembershipTable"/>: it reports changes as they happen
/// (a silo joined, changed status, died or lost its lease), so silos re-read the table at once
/// instead of at their next poll. Polling every <c>ClusterMembershipOptions.RefreshPeriod</c> goes
/// on regardless, as the fallback.
/// </summary>
public interface IMembershipTableWatcher
{
    /// <summary>
    /// The changes of the table, until <paramref name="cancellationToken"/> is cancelled. The first
    /// item arrives once the subscription is in place (with a null <see cref="MembershipTableChange.Silo"/>),
    /// so a read of the table after it misses nothing. An implementation may coalesce changes or
    /// report ones that alter nothing the runtime sees; it must not drop any.
    /// </summary>
    /// <remarks>
    /// Throwing ends the subscription; the runtime polls meanwhile and subscribes again. Ending
    /// without an error means the table reports no (more) changes: the runtime relies on polling.
    /// </remarks>
    IAsyncEnumerable<MembershipTableChange> WatchAsync(CancellationToken cancellationToken);
}

/// <summary>A change of the membership table, as reported by an <see cref="IMembershipTableWatcher"/>.</summary>
/// <param name="Silo">The silo whose entry changed, or null when anything may have changed (re-read the table).</param>
public readonly record struct MembershipTableChange(SiloAddress? Silo);

/// <summary>The silo was declared dead by the cluster and must stop.</summary>
public sealed class SiloDeclaredDeadException(SiloAddress silo) : GrainException($"Silo {silo} was declared dead by the cluster.");
