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
}

internal sealed class CrdtStorageOptionsValidator : IValidateOptions<CrdtStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, CrdtStorageOptions options) =>
        options.CatchUpTimeout > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"CrdtStorageOptions '{name}': CatchUpTimeout must be positive.");
}
