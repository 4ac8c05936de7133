using ActorEdge.Placement;

namespace ActorEdge.Runtime.Placement;

/// <summary>What is being placed.</summary>
/// <param name="GrainId">The grain to activate.</param>
/// <param name="RequestContext">The request context of the call that triggers the activation.</param>
/// <param name="OriginNode">The edge node where that call entered the cluster, if known.</param>
public readonly record struct PlacementTarget(GrainId GrainId, IReadOnlyDictionary<string, object>? RequestContext, string? OriginNode);

/// <summary>What a placement director may consult.</summary>
public interface IPlacementContext
{
    /// <summary>The silo making the decision (the caller's silo).</summary>
    SiloAddress LocalSilo { get; }

    /// <summary>The active silos that can host the grain, sorted by address. Never empty.</summary>
    IReadOnlyList<SiloAddress> GetCompatibleSilos(PlacementTarget target);
}

/// <summary>Chooses the silo for a new activation under one <see cref="PlacementStrategy"/>.</summary>
/// <remarks>Register implementations as keyed singletons, keyed by the strategy's type.</remarks>
public interface IPlacementDirector
{
    /// <summary>Returns the silo on which to activate <paramref name="target"/>.</summary>
    SiloAddress OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context);
}

internal sealed class RandomPlacementDirector : IPlacementDirector
{
    public SiloAddress OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        return silos[Random.Shared.Next(silos.Count)];
    }
}

internal sealed class PreferLocalPlacementDirector : IPlacementDirector
{
    public SiloAddress OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        foreach (var silo in silos)
        {
            if (silo.Equals(context.LocalSilo))
            {
                return silo;
            }
        }
        return silos[Random.Shared.Next(silos.Count)];
    }
}

internal sealed class HashBasedPlacementDirector : IPlacementDirector
{
    public SiloAddress OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        return silos[(int)(target.GrainId.StableHashCode % (uint)silos.Count)];
    }
}

/// <summary>
/// Places on a silo of the call's origin node, else on the nearest node's silos by latency, else
/// locally. Among several silos of the chosen node, the grain id's stable hash picks one.
/// </summary>
internal sealed class EdgePlacementDirector(ActorEdge.Runtime.Edge.IEdgeTopology topology) : IPlacementDirector
{
    public SiloAddress OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var origin = target.OriginNode ?? topology.NodeOf(context.LocalSilo);
        if (origin is null)
        {
            return PreferLocal(silos, context.LocalSilo);
        }
        var ranked = topology.NearestSilos(origin, silos);
        var best = ranked[0];
        var bestNode = topology.NodeOf(best);
        if (bestNode is null)
        {
            return PreferLocal(silos, context.LocalSilo);
        }
        // Prefer the local silo when it ties with the best; else spread by hash among the tied.
        var tied = new List<SiloAddress>();
        var bestLatency = topology.Latency(origin, bestNode);
        foreach (var silo in ranked)
        {
            if (topology.NodeOf(silo) is { } node && topology.Latency(origin, node) == bestLatency)
            {
                if (silo.Equals(context.LocalSilo))
                {
                    return silo;
                }
                tied.Add(silo);
            }
        }
        return tied[(int)(target.GrainId.StableHashCode % (uint)tied.Count)];
    }

    private static SiloAddress PreferLocal(IReadOnlyList<SiloAddress> silos, SiloAddress local)
    {
        foreach (var silo in silos)
        {
            if (silo.Equals(local))
            {
                return silo;
            }
        }
        return silos[0];
    }
}
