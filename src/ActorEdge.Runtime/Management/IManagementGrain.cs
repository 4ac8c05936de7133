namespace ActorEdge.Management;

/// <summary>
/// Operations on the cluster's grains, callable from clients and from grain code like any grain
/// (<c>GetGrain&lt;IManagementGrain&gt;(0)</c>). Every silo can host it.
/// </summary>
public interface IManagementGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Migrates the activation of <paramref name="grainId"/> to <paramref name="target"/> once
    /// it is idle, with its in-memory and persistent state; requests that arrive meanwhile are
    /// held and forwarded. Completes when the grain lives on the target.
    /// </summary>
    /// <returns>
    /// True when the grain moved; false when it has no activation, already lives on
    /// <paramref name="target"/>, or deactivated before it could move.
    /// </returns>
    /// <exception cref="GrainException">
    /// The target is not an active silo, or the hand-over failed (the activation was then
    /// deactivated, and its next call activates it again).
    /// </exception>
    Task<bool> MigrateAsync(GrainId grainId, SiloAddress target);

    /// <summary>The silo hosting the activation of <paramref name="grainId"/> per the grain directory, or null.</summary>
    Task<SiloAddress?> GetHostingSiloAsync(GrainId grainId);
}
