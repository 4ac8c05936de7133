using System.Collections.Concurrent;

namespace ActorEdge.Runtime.Migration;

/// <summary>
/// What a migration of each grain type costs on this silo: an exponentially weighted average of
/// the measured service gap (dehydrate, storage steps, transfer, directory; not the wait for
/// idle). It grows with state size and link bandwidth for Reactive grains, which is what the
/// follow-the-caller policy must weigh against the latency a move saves.
/// </summary>
internal sealed class MigrationCostEstimator
{
    // Recent migrations count most, without one outlier deciding alone.
    private const double Weight = 0.3;

    private readonly ConcurrentDictionary<string, double> _costs = new(StringComparer.Ordinal);

    /// <summary>The estimate in milliseconds, or <paramref name="initialMs"/> before the first measurement.</summary>
    public double EstimateMs(string grainType, double initialMs) => _costs.TryGetValue(grainType, out var cost) ? cost : initialMs;

    public void Record(string grainType, double ms) =>
        _costs.AddOrUpdate(grainType, static (_, measured) => measured, static (_, previous, measured) => previous + Weight * (measured - previous), ms);
}
