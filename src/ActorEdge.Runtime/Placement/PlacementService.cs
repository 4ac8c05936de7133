using ActorEdge.Placement;
using ActorEdge.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Placement;

/// <summary>
/// Chooses where a new activation goes: an explicit placement hint in the request context
/// wins when it names a live silo; otherwise the grain class's strategy decides among the
/// active silos.
/// </summary>
internal sealed class PlacementService(ClusterMembershipService membership, IServiceProvider services, LocalSiloDetails local)
{
    public SiloAddress Place(GrainId grainId, PlacementStrategy strategy, IReadOnlyDictionary<string, object>? requestContext, string? originNode)
    {
        var snapshot = membership.Snapshot;
        if (requestContext is not null && requestContext.TryGetValue(RequestContext.PlacementHintKey, out var hint) && hint is string hinted)
        {
            var hintedSilo = SiloAddress.Parse(hinted);
            if (snapshot.IsActive(hintedSilo))
            {
                return hintedSilo;
            }
        }

        var context = new Context(snapshot, local.Address, null);
        var director = services.GetKeyedService<IPlacementDirector>(strategy.GetType())
            ?? throw new InvalidOperationException($"No placement director is registered for strategy {strategy.GetType().Name}.");
        return director.OnAddActivation(strategy, new PlacementTarget(grainId, requestContext, originNode), context);
    }

    /// <summary>
    /// Chooses a silo other than this one for a migrating activation, under its strategy; null
    /// when no other silo is active.
    /// </summary>
    public SiloAddress? PlaceElsewhere(GrainId grainId, PlacementStrategy strategy)
    {
        var active = membership.Snapshot.Active;
        var others = new List<SiloAddress>(active.Length);
        foreach (var entry in active)
        {
            if (!entry.Address.Equals(local.Address))
            {
                others.Add(entry.Address);
            }
        }
        if (others.Count == 0)
        {
            return null;
        }
        var director = services.GetKeyedService<IPlacementDirector>(strategy.GetType())
            ?? throw new InvalidOperationException($"No placement director is registered for strategy {strategy.GetType().Name}.");
        var chosen = director.OnAddActivation(strategy, new PlacementTarget(grainId, null, null), new Context(membership.Snapshot, local.Address, [.. others]));
        return chosen.Equals(local.Address) ? others[0] : chosen;
    }

    private sealed class Context(MembershipSnapshot snapshot, SiloAddress localSilo, SiloAddress[]? candidates) : IPlacementContext
    {
        private SiloAddress[]? _silos = candidates;

        public SiloAddress LocalSilo => localSilo;

        public IReadOnlyList<SiloAddress> GetCompatibleSilos(PlacementTarget target)
        {
            if (_silos is not null)
            {
                return _silos;
            }
            var active = snapshot.Active;
            if (active.Length == 0)
            {
                // Before the first membership read the local silo is all we know.
                return _silos = [localSilo];
            }
            var silos = new SiloAddress[active.Length];
            for (var i = 0; i < silos.Length; i++)
            {
                silos[i] = active[i].Address;
            }
            return _silos = silos;
        }
    }
}
