using ActorEdge.Placement;

namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>A grain placed at the edge node of its caller.</summary>
public interface IEdgeProbeGrain : IProbeGrain;

[EdgePlacement]
public sealed class EdgeProbeGrain(ILocalSiloDetails silo) : ProbeGrainBase(silo), IEdgeProbeGrain;

/// <summary>Calls an <see cref="IEdgeProbeGrain"/> from inside its own turn.</summary>
public interface IEdgeRelayGrain : IGrainWithStringKey
{
    Task<ActivationInfo> IdentifyEdge(string edgeKey);
}

[HashBasedPlacement]
public sealed class EdgeRelayGrain : Grain, IEdgeRelayGrain
{
    public Task<ActivationInfo> IdentifyEdge(string edgeKey) => GrainFactory.GetGrain<IEdgeProbeGrain>(edgeKey).Identify();
}
