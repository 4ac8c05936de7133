namespace ActorEdge.Runtime.Migration;

/// <summary>What started a migration (the "trigger" tag of the migration metrics).</summary>
internal enum MigrationTrigger
{
    /// <summary>The grain called MigrateOnIdle.</summary>
    Grain,
    /// <summary>The management API (IManagementGrain.MigrateAsync).</summary>
    Management,
    /// <summary>The silo is stopping gracefully and drains its activations.</summary>
    Drain,
}

/// <summary>How a migration request ended when it did not fail.</summary>
internal enum MigrationOutcome
{
    /// <summary>The grain now lives on the target silo.</summary>
    Migrated = 1,
    /// <summary>The activation was not serving (deactivating, deactivated, failed to activate): nothing moved.</summary>
    NotActive = 2,
    /// <summary>No other silo could take the grain (or it already lives on the target): it stays.</summary>
    NoTarget = 3,
}

/// <summary>A migration asked of an activation, waiting for it to become idle.</summary>
internal sealed class PendingMigration(SiloAddress? target, MigrationTrigger trigger, long requestedAtTimestamp, string? traceParent)
{
    private List<TaskCompletionSource<MigrationOutcome>>? _followers;

    /// <summary>The target asked for (null: placement chooses), the later explicit one when requests joined.</summary>
    public SiloAddress? Target { get; private set; } = target;

    /// <summary>The silo the storage providers prepared, which a request without a target goes to while it is active.</summary>
    public SiloAddress? PreparedTarget { get; set; }

    public MigrationTrigger Trigger { get; } = trigger;

    public long RequestedAtTimestamp { get; } = requestedAtTimestamp;

    /// <summary>The trace span that asked for the migration (the grain call that called MigrateOnIdle, the management call), the migration span's parent.</summary>
    public string? TraceParent { get; } = traceParent;

    public TaskCompletionSource<MigrationOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Joins a later request to this one (the later explicit target wins).</summary>
    public void Join(PendingMigration later)
    {
        if (later.Target is not null)
        {
            Target = later.Target;
        }
        (_followers ??= []).Add(later.Completion);
    }

    public void Complete(MigrationOutcome outcome)
    {
        Completion.TrySetResult(outcome);
        if (_followers is not null)
        {
            foreach (var follower in _followers)
            {
                follower.TrySetResult(outcome);
            }
        }
    }

    public void Fail(Exception error)
    {
        Completion.TrySetException(error);
        if (_followers is not null)
        {
            foreach (var follower in _followers)
            {
                follower.TrySetException(error);
            }
        }
    }

    public static string TagOf(MigrationTrigger trigger) => trigger switch
    {
        MigrationTrigger.Grain => "grain",
        MigrationTrigger.Management => "management",
        _ => "drain",
    };
}
