namespace ActorEdge;

/// <summary>
/// The runtime side of one grain activation. The <see cref="Grain"/> base class and generated
/// activation code use it; application code rarely needs it directly, but it may be injected
/// into a grain constructor.
/// </summary>
public interface IGrainContext
{
    /// <summary>The identity of the grain.</summary>
    GrainId GrainId { get; }

    /// <summary>The silo hosting this activation.</summary>
    SiloAddress Silo { get; }

    /// <summary>Services for this activation (the silo's service provider).</summary>
    IServiceProvider ActivationServices { get; }

    /// <summary>The factory for references to other grains.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>The activation's instance, once constructed.</summary>
    object? GrainInstance { get; }

    /// <summary>Asks the runtime to deactivate this activation once the current request completes.</summary>
    void DeactivateOnIdle();

    /// <summary>Keeps the activation from being collected as idle for at least <paramref name="timeSpan"/>.</summary>
    void DelayDeactivation(TimeSpan timeSpan);

    /// <summary>
    /// Asks the runtime to migrate this activation to <paramref name="target"/> (or to a silo its
    /// placement chooses, when null) once no turn is running; requests that arrive meanwhile wait
    /// and are forwarded to the new activation.
    /// </summary>
    /// <remarks>Contexts that cannot migrate (test doubles) throw <see cref="NotSupportedException"/>.</remarks>
    void MigrateOnIdle(SiloAddress? target) => throw new NotSupportedException("This grain context cannot migrate its grain.");

    /// <summary>Creates the persistent state named <paramref name="stateName"/> kept by the storage provider <paramref name="storageName"/>.</summary>
    IPersistentState<TState> GetPersistentState<TState>(string stateName, string? storageName);

    /// <summary>Registers a timer whose callbacks run as turns of this activation.</summary>
    IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options);
}

/// <summary>A timer registered by a grain. Dispose it to stop it.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes when the timer next fires and its period.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>Options of a grain timer.</summary>
public readonly record struct GrainTimerCreationOptions
{
    /// <summary>Creates options with a due time and period.</summary>
    public GrainTimerCreationOptions(TimeSpan dueTime, TimeSpan period)
    {
        DueTime = dueTime;
        Period = period;
    }

    /// <summary>Time until the first tick.</summary>
    public TimeSpan DueTime { get; init; }

    /// <summary>Time between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for a single tick.</summary>
    public TimeSpan Period { get; init; }

    /// <summary>Whether ticks may interleave with requests. <value>Default false: a tick is a turn like any request.</value></summary>
    public bool Interleave { get; init; }

    /// <summary>Whether a tick counts as activity that keeps the activation from idle collection. <value>Default false.</value></summary>
    public bool KeepAlive { get; init; }
}
