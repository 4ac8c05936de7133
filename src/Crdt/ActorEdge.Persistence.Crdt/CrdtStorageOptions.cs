using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.Crdt;

/// <summary>Options of one CRDT grain storage provider (named like the provider).</summary>
public sealed class CrdtStorageOptions
{
    /// <summary>
    /// How long <see cref="ICrdtGrainStorage.WaitForVersionAsync"/> waits by default for the local
    /// replica to catch up with a version handed over by another silo. <value>Default 10 s.</value>
    /// </summary>
    public TimeSpan CatchUpTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="IGrainStorage.ReadStateAsync"/> (a grain activating) waits for the other
    /// silos' copies of the state before reading the local replica: each reachable peer is asked for
    /// its copy once, and newer ones are merged, so an activation on a silo whose replica lags does not
    /// start from, and then overwrite, an older state. Peers that do not answer in time are skipped.
    /// Zero reads the local replica only. <value>Default 1 s.</value>
    /// </summary>
    public TimeSpan ReadRepairTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The largest state (encoded bytes) a migration's hand-over carries when the target may not
    /// have the source's latest updates yet: the target joins it and serves without waiting for
    /// replication to deliver them. Larger states, and every state when zero, are not carried: the
    /// target waits (up to <see cref="CatchUpTimeout"/>) for its replica. <value>Default 1 MiB.</value>
    /// </summary>
    public int HandOverStateBytes { get; set; } = 1 << 20;
}

internal sealed class CrdtStorageOptionsValidator : IValidateOptions<CrdtStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, CrdtStorageOptions options) =>
        options.CatchUpTimeout <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"CrdtStorageOptions '{name}': CatchUpTimeout must be positive.")
            : options.ReadRepairTimeout < TimeSpan.Zero
                ? ValidateOptionsResult.Fail($"CrdtStorageOptions '{name}': ReadRepairTimeout must not be negative.")
                : options.HandOverStateBytes < 0
                    ? ValidateOptionsResult.Fail($"CrdtStorageOptions '{name}': HandOverStateBytes must not be negative.")
                    : ValidateOptionsResult.Success;
}
