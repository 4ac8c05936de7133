namespace ActorEdge.Placement;

/// <summary>Decides on which silo a new activation of a grain type is created.</summary>
public abstract class PlacementStrategy
{
    /// <summary>A short name for logs and metrics.</summary>
    public abstract string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Places new activations on a random compatible silo. The default.</summary>
public sealed class RandomPlacement : PlacementStrategy
{
    /// <summary>The instance.</summary>
    public static RandomPlacement Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "random";
}

/// <summary>Places new activations on the caller's silo when it can host them, else at random.</summary>
public sealed class PreferLocalPlacement : PlacementStrategy
{
    /// <summary>The instance.</summary>
    public static PreferLocalPlacement Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "prefer-local";
}

/// <summary>Places new activations on the silo chosen by a stable hash of the grain id over the sorted live silos.</summary>
public sealed class HashBasedPlacement : PlacementStrategy
{
    /// <summary>The instance.</summary>
    public static HashBasedPlacement Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "hash-based";
}

/// <summary>Base of the attributes that choose a grain class's placement strategy.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public abstract class PlacementAttribute(PlacementStrategy strategy) : Attribute
{
    /// <summary>The strategy.</summary>
    public PlacementStrategy Strategy { get; } = strategy;
}

/// <summary>Uses <see cref="RandomPlacement"/>.</summary>
public sealed class RandomPlacementAttribute() : PlacementAttribute(RandomPlacement.Instance);

/// <summary>Uses <see cref="PreferLocalPlacement"/>.</summary>
public sealed class PreferLocalPlacementAttribute() : PlacementAttribute(PreferLocalPlacement.Instance);

/// <summary>Uses <see cref="HashBasedPlacement"/>.</summary>
public sealed class HashBasedPlacementAttribute() : PlacementAttribute(HashBasedPlacement.Instance);

/// <summary>
/// Places new activations on a silo of the edge node where the triggering call entered the
/// cluster; else on a silo of the nearest node by the configured latency matrix; else locally.
/// </summary>
public sealed class EdgePlacement : PlacementStrategy
{
    /// <summary>The instance.</summary>
    public static EdgePlacement Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "edge";
}

/// <summary>Uses <see cref="EdgePlacement"/>.</summary>
public sealed class EdgePlacementAttribute() : PlacementAttribute(EdgePlacement.Instance);
