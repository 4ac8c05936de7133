namespace ActorEdge;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReasonCode
{
    /// <summary>No reason given.</summary>
    None,
    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,
    /// <summary>The activation was idle longer than the collection age.</summary>
    ActivationIdle,
    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,
    /// <summary>Activation failed (an exception in <see cref="Grain.OnActivateAsync"/>).</summary>
    ActivationFailed,
    /// <summary>Another activation of the same grain won the directory registration.</summary>
    DuplicateActivation,
    /// <summary>The grain is moving to another silo.</summary>
    Migrating,
}

/// <summary>Why an activation is being deactivated, with a human-readable description.</summary>
/// <param name="ReasonCode">The reason.</param>
/// <param name="Description">A description for logs.</param>
public readonly record struct DeactivationReason(DeactivationReasonCode ReasonCode, string Description)
{
    /// <inheritdoc />
    public override string ToString() => $"{ReasonCode}: {Description}";
}
