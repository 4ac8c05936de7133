namespace ActorEdge.Hosting;

/// <summary>Live migration of activations between silos.</summary>
public sealed class MigrationOptions
{
    /// <summary>
    /// Whether a silo that stops gracefully migrates its activations to the other silos (with
    /// their in-memory state) instead of deactivating them. Activations that cannot migrate are
    /// deactivated as usual. <value>Default true.</value>
    /// </summary>
    public bool DrainOnShutdown { get; set; } = true;

    /// <summary>
    /// How long the source waits for the target to accept a hand-over; past it the source
    /// deactivates instead (the target may still have taken the grain). <value>Default 10 seconds.</value>
    /// </summary>
    public TimeSpan HandOverTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The migration strategy of grain classes without a <see cref="MigrationStrategyAttribute"/>:
    /// their persistent states declared without a storage name use the provider registered under
    /// the strategy's name (<see cref="StorageNames.Centralized"/>, <see cref="StorageNames.Reactive"/>,
    /// <see cref="StorageNames.Proactive"/>). <value>Default null: such states use the
    /// <see cref="StorageNames.Default"/> provider.</value>
    /// </summary>
    public MigrationStrategy? DefaultStrategy { get; set; }
}
