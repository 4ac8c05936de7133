using ActorEdge.Placement;
using ActorEdge.Runtime;
using ActorEdge.Runtime.Migration;

namespace ActorEdge.Management;

/// <summary>
/// Runs management operations on the silo that received the call: it asks the silo hosting a
/// grain (found in the directory) to migrate it, over a system request.
/// </summary>
[GrainType("actoredge.management")]
[PreferLocalPlacement]
[Reentrant]
internal sealed class ManagementGrain(SiloRuntime runtime) : Grain, IManagementGrain
{
    // A lookup may race a migration in progress: the entry then moves, and we ask its new host.
    private const int MaxAttempts = 3;

    public async Task<bool> MigrateAsync(GrainId grainId, SiloAddress target)
    {
        if (!runtime.Membership.IsActive(target))
        {
            throw new GrainException($"Cannot migrate {grainId} to {target}: it is not an active silo.");
        }
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var address = await runtime.Locator.LookupAsync(grainId).ConfigureAwait(true);
            if (address is null || address.Silo.Equals(target))
            {
                return false;
            }
            var outcome = await runtime.Migration.RequestMigrationAsync(address.Silo, grainId, target).ConfigureAwait(true);
            switch (outcome)
            {
                case MigrationOutcome.Migrated:
                    return true;
                case MigrationOutcome.NoTarget:
                    // The host refused the explicit target: its membership view holds it inactive (a death this silo has not seen yet).
                    throw new GrainException($"Cannot migrate {grainId} to {target}: it is not an active silo in the view of the host {address.Silo}.");
            }
            // NotActive: the host's activation was leaving, or the entry was stale; look again.
            runtime.Locator.Invalidate(grainId);
        }
        return false;
    }

    public async Task<SiloAddress?> GetHostingSiloAsync(GrainId grainId) =>
        (await runtime.Locator.LookupAsync(grainId).ConfigureAwait(true))?.Silo;
}
