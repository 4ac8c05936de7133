using ActorEdge.Placement;

namespace ActorEdge.Benchmarks.Infrastructure;

/// <summary>The smallest useful grain call: an int in, the same int out.</summary>
public interface IEchoGrain : IGrainWithIntegerKey
{
    Task<int> Echo(int value);
}

/// <summary>
/// Completes synchronously, so a benchmark measures the runtime's cost and none of the grain's.
/// Placed on the silo of its first caller, so a benchmark decides where each activation lives.
/// </summary>
[PreferLocalPlacement]
public sealed class EchoGrain : Grain, IEchoGrain
{
    public Task<int> Echo(int value) => Task.FromResult(value);
}
