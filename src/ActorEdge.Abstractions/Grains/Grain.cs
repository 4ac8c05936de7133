using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ActorEdge;

/// <summary>
/// Base class of grain implementations. A grain class derives from it, implements one or more
/// grain interfaces, and receives services (including persistent state marked with
/// <see cref="PersistentStateAttribute"/>) through its constructor.
/// </summary>
public abstract class Grain
{
    /// <summary>Binds the grain to the activation that is constructing it.</summary>
    protected Grain()
    {
        GrainContext = RuntimeContext.ActivatingContext
            ?? throw new InvalidOperationException(
                $"{GetType().Name} is a grain: it is created by the ActorEdge runtime when first called, not with 'new'. Use IGrainFactory.GetGrain to obtain a reference.");
    }

    /// <summary>Binds the grain to an explicit context (for tests that construct grains by hand).</summary>
    protected Grain(IGrainContext grainContext)
    {
        GrainContext = grainContext;
    }

    /// <summary>The runtime side of this activation.</summary>
    public IGrainContext GrainContext { get; }

    /// <summary>The identity of this grain.</summary>
    public GrainId GrainId => GrainContext.GrainId;

    /// <summary>The factory for references to other grains.</summary>
    protected IGrainFactory GrainFactory => GrainContext.GrainFactory;

    /// <summary>The service provider of the hosting silo.</summary>
    protected IServiceProvider ServiceProvider => GrainContext.ActivationServices;

    /// <summary>The string key of this grain.</summary>
    public string GetPrimaryKeyString() => GrainContext.GrainId.Key;

    /// <summary>The <see cref="Guid"/> key of this grain.</summary>
    public Guid GetPrimaryKey()
    {
        var key = GrainContext.GrainId.Key;
        return Guid.TryParseExact(key, "N", out var guid) ? guid : ThrowKeyFormat<Guid>(key, "a Guid");
    }

    /// <summary>The integer key of this grain.</summary>
    public long GetPrimaryKeyLong()
    {
        var key = GrainContext.GrainId.Key;
        return long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : ThrowKeyFormat<long>(key, "an integer");
    }

    /// <summary>Called once when the activation starts, before its first request.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called once when the activation stops (idle collection, shutdown, explicit request).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current request completes.</summary>
    protected void DeactivateOnIdle() => GrainContext.DeactivateOnIdle();

    /// <summary>
    /// Migrates this activation to another silo once the current request completes: to the silo
    /// named by the <see cref="RequestContext.PlacementHintKey"/> of the current call when set,
    /// else to one the grain's placement strategy chooses among the other silos. In-memory state
    /// travels through <see cref="IGrainMigrationParticipant"/>; persistent state travels with
    /// its ETag, so the new activation does not read storage.
    /// </summary>
    protected void MigrateOnIdle() =>
        GrainContext.MigrateOnIdle(RequestContext.Get(RequestContext.PlacementHintKey) is string hint ? SiloAddress.Parse(hint) : null);

    /// <summary>Migrates this activation to <paramref name="target"/> once the current request completes. See <see cref="MigrateOnIdle()"/>.</summary>
    protected void MigrateOnIdle(SiloAddress target)
    {
        ArgumentNullException.ThrowIfNull(target);
        GrainContext.MigrateOnIdle(target);
    }

    /// <summary>Keeps this activation from being collected as idle for at least <paramref name="timeSpan"/>.</summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => GrainContext.DelayDeactivation(timeSpan);

    /// <summary>
    /// Registers a timer whose ticks run as turns of this activation (never concurrently with a
    /// request unless <see cref="GrainTimerCreationOptions.Interleave"/>). Ticks stop with the activation.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return GrainContext.RegisterTimer(static (cb, ct) => cb(ct), callback, new GrainTimerCreationOptions(dueTime, period));
    }

    /// <summary>Registers a timer with state and options. See <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, TimeSpan, TimeSpan)"/>.</summary>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return GrainContext.RegisterTimer(callback, state, options);
    }

    [DoesNotReturn]
    private static T ThrowKeyFormat<T>(string key, string what) =>
        throw new InvalidOperationException($"The key '{key}' of this grain is not {what}.");
}

/// <summary>Ambient runtime state shared between the runtime and generated code.</summary>
internal static class RuntimeContext
{
    /// <summary>The context of the activation whose grain is being constructed on this thread.</summary>
    [ThreadStatic]
    internal static IGrainContext? ActivatingContext;
}
