using ActorEdge.Etcd;
using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.Etcd;

/// <summary>Options of an etcd grain storage provider (named after the provider).</summary>
public sealed class EtcdStorageOptions
{
    /// <summary>The etcd client: endpoints (the local edge node's member first), credentials, TLS, deadlines.</summary>
    public EtcdClientOptions Client { get; } = new();

    /// <summary>
    /// The first segment of every key, so keys read <c>{KeyPrefix}/{grainType}/{key}/{stateName}</c>.
    /// <value>Default null: the silo's <c>SiloOptions.ServiceId</c>.</value>
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// Read state with serializable (member-local) reads instead of linearizable ones: no round
    /// trip to the leader, but a read on a lagging member may return an older version (whose ETag
    /// then fails the next write). For the Proactive strategy, where each edge node has a member.
    /// <value>Default false: linearizable reads.</value>
    /// </summary>
    public bool SerializableReads { get; set; }

    /// <summary>
    /// How often the provider compacts etcd's history behind the current revision, as etcd's own
    /// auto-compaction would; null or zero disables it (use etcd's <c>--auto-compaction-*</c> then).
    /// <value>Default 5 minutes.</value>
    /// </summary>
    /// <remarks>
    /// etcd keeps every revision until compacted and stops accepting writes when its database
    /// reaches its quota (NOSPACE): grains rewriting large states fill it quickly without compaction.
    /// </remarks>
    public TimeSpan? CompactionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most grain-state writes combined into one etcd transaction. Writes that arrive while a
    /// transaction is in flight go together in the next one, each with its own ETag compare (a stale
    /// ETag fails only its own write). 1 turns batching off. Must not exceed the server's
    /// <c>--max-txn-ops</c>; batches also stay under <c>Client.MaxRequestBytes</c>.
    /// <value>Default 128, etcd's default <c>--max-txn-ops</c>.</value>
    /// </summary>
    public int MaxWritesPerTransaction { get; set; } = 128;

    /// <summary>How many revisions compaction keeps behind the current one. <value>Default 10000.</value></summary>
    public long CompactionRetainedRevisions { get; set; } = 10_000;

    /// <inheritdoc />
    public override string ToString() => $"KeyPrefix={KeyPrefix ?? "(service id)"}, SerializableReads={SerializableReads}, CompactionInterval={CompactionInterval?.ToString() ?? "off"}, MaxWritesPerTransaction={MaxWritesPerTransaction}, {Client}";
}

/// <summary>Checks <see cref="EtcdStorageOptions"/> at silo start.</summary>
internal sealed class EtcdStorageOptionsValidator : IValidateOptions<EtcdStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdStorageOptions options)
    {
        var errors = new List<string>();
        try
        {
            options.Client.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        if (options.KeyPrefix is { Length: 0 })
        {
            errors.Add($"EtcdStorageOptions.KeyPrefix of storage '{name}' must not be empty (null uses the service id).");
        }
        if (options.CompactionRetainedRevisions < 1)
        {
            errors.Add($"EtcdStorageOptions.CompactionRetainedRevisions of storage '{name}' must be at least 1.");
        }
        if (options.MaxWritesPerTransaction < 1)
        {
            errors.Add($"EtcdStorageOptions.MaxWritesPerTransaction of storage '{name}' must be at least 1 (1 turns batching off).");
        }
        if (options.CompactionInterval < TimeSpan.Zero)
        {
            errors.Add($"EtcdStorageOptions.CompactionInterval of storage '{name}' must not be negative.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
