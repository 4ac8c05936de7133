using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>Options of a node-local grain storage provider (named by the provider's name).</summary>
public sealed class NodeLocalStorageOptions
{
    /// <summary>The largest <see cref="MaxRecordBytes"/> accepted (1 GiB): a record is read into one buffer.</summary>
    public const int MaxRecordBytesLimit = 1024 * 1024 * 1024;

    /// <summary>
    /// The directory holding the records, an absolute path; records live under
    /// <c>{RootPath}/{serviceId}/{grainType}/{key}/{stateName}.rec</c>. One store owns a root at a
    /// time (a lock file), so two silos on one node need two roots.
    /// <value>Default null: <c>{temp}/actoredge-nodelocal/{nodeName}/{providerName}</c>.</value>
    /// </summary>
    /// <remarks>
    /// The temporary directory does not survive a reboot on many systems: set a persistent path
    /// (a hostPath or local volume on Kubernetes) for state that must outlive the machine's uptime.
    /// </remarks>
    public string? RootPath { get; set; }

    /// <summary>
    /// The largest serialized state accepted by a write or an import; larger ones throw
    /// <see cref="NodeLocalStorageException"/> and change nothing. <value>Default 64 MiB.</value>
    /// </summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024 * 1024;

    /// <inheritdoc />
    public override string ToString() => $"RootPath={RootPath ?? "(default)"}, MaxRecordBytes={MaxRecordBytes}";
}

internal sealed class NodeLocalStorageOptionsValidator : IValidateOptions<NodeLocalStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeLocalStorageOptions options)
    {
        var errors = new List<string>();
        if (options.RootPath is { } root)
        {
            if (string.IsNullOrWhiteSpace(root))
            {
                errors.Add($"NodeLocalStorageOptions.RootPath of storage '{name}' must be an absolute path, or null for the default.");
            }
            else if (!Path.IsPathFullyQualified(root))
            {
                errors.Add($"NodeLocalStorageOptions.RootPath of storage '{name}' must be an absolute path (was '{root}').");
            }
            else if (root.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                errors.Add($"NodeLocalStorageOptions.RootPath of storage '{name}' contains a character that is not valid in a path.");
            }
        }
        if (options.MaxRecordBytes is <= 0 or > NodeLocalStorageOptions.MaxRecordBytesLimit)
        {
            errors.Add($"NodeLocalStorageOptions.MaxRecordBytes of storage '{name}' must be between 1 and {NodeLocalStorageOptions.MaxRecordBytesLimit} (was {options.MaxRecordBytes}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
