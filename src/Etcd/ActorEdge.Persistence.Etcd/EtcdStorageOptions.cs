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

    /// <summary>
    /// How the provider takes part in live migration (<see cref="IGrainStorageMigration"/>), which
    /// follows from where its etcd runs: one central etcd (<see cref="EtcdMigrationMode.None"/>, the
    /// Centralized strategy), one single-member etcd per edge node (<see cref="EtcdMigrationMode.NodeLocal"/>,
    /// Reactive) or one cluster with a member per edge node (<see cref="EtcdMigrationMode.Replicated"/>, Proactive).
    /// <value>Default <see cref="EtcdMigrationMode.None"/>.</value>
    /// </summary>
    public EtcdMigrationMode Migration { get; set; }

    /// <summary>The attempt deadline of Replicated mode when <c>Client.AttemptTimeout</c> is not set (see <see cref="EtcdMigrationMode.Replicated"/>).</summary>
    public static readonly TimeSpan DefaultReplicatedAttemptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replicated mode: the client endpoint of the etcd member on this silo's edge node, which
    /// imports wait on. Keep it first in <c>Client.Endpoints</c> too: reads go to the first
    /// endpoint (serializable reads are checked against the answering member's revision, so
    /// another member is safe, only not local).
    /// <value>Default null: the first of <c>Client.Endpoints</c>.</value>
    /// </summary>
    public Uri? LocalMember { get; set; }

    /// <summary>
    /// Replicated mode: the etcd member name per edge node name, for nodes whose member is not named
    /// after the node.
    /// <value>Default empty: the member on node <c>n</c> is named <c>n</c> (etcd <c>--name</c>).</value>
    /// </summary>
    public IDictionary<string, string> MemberNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Replicated mode: whether the target of a migration waits, before the grain activates there,
    /// until its local member has applied the revision the source handed over ("catch-up"), so
    /// that the grain's first reads of its state are served by that member. Correctness does not
    /// need it: reads are checked (a member that has not applied the activation's ETag is not
    /// read; the read goes linearizable), writes go to the leader, and the in-memory state travels
    /// with the grain. Waiting puts the target member's replication lag on every call held by the
    /// migration (3-10 ms typically in the thesis benchmark, 78-94 ms when the member lagged
    /// behind), for reads that most grains never make after activation.
    /// <value>Default false: the hand-over does not wait.</value>
    /// </summary>
    public bool AwaitCatchUp { get; set; }

    /// <summary>
    /// Replicated mode with <see cref="AwaitCatchUp"/>: how long an import waits for the local
    /// member to apply the revision the source handed over before it refuses the hand-over (the
    /// grain then stays at the source).
    /// <value>Default 5 seconds.</value>
    /// </summary>
    public TimeSpan CatchUpTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Replicated mode: the leader-competition policy. After ActorEdge moved the etcd leader, it
    /// does not move it again within this time, whichever node asks (cluster-wide, recorded in
    /// etcd); zero lets every migration move it. Leadership only makes writes and linearizable reads
    /// local, so a refused move costs latency, never correctness.
    /// <value>Default 10 seconds.</value>
    /// </summary>
    public TimeSpan LeaderMoveCooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Replicated mode: whether a migration waits for the leader move to finish ("leader-move",
    /// counted in the migration time as the thesis counts re-election). When false the move runs
    /// in the background and callers are not held for it (loopback, 50 ms heartbeat: held calls
    /// 4.5–9.5 ms instead of 120–125 ms), but writes that reach the old leader mid-transfer are
    /// dropped by etcd and answered only at its request timeout (about 7 s with etcd's defaults;
    /// since the attempt deadline of Replicated mode, they are sent again after
    /// <see cref="DefaultReplicatedAttemptTimeout"/>): seen once in two runs of the thesis benchmark
    /// (docs/benchmarks-migration.md).
    /// <value>Default true.</value>
    /// </summary>
    public bool AwaitLeaderMove { get; set; } = true;

    /// <inheritdoc />
    public override string ToString() => $"KeyPrefix={KeyPrefix ?? "(service id)"}, SerializableReads={SerializableReads}, CompactionInterval={CompactionInterval?.ToString() ?? "off"}, MaxWritesPerTransaction={MaxWritesPerTransaction}, Migration={Migration}, {Client}";
}

/// <summary>How an etcd grain storage provider takes part in live migration (DESIGN.md §7).</summary>
public enum EtcdMigrationMode
{
    /// <summary>
    /// The Centralized strategy: every silo uses the same etcd, so only compute moves and the
    /// ETag stays valid; the provider does not implement <see cref="IGrainStorageMigration"/>.
    /// </summary>
    None = 0,

    /// <summary>
    /// The Reactive strategy: each silo's endpoints point at a single-member etcd on its own node.
    /// At migration the source reads the record ("flush"), the target writes it into its own etcd
    /// ("import"), and the source deletes its copy once the target confirmed, unless it changed since.
    /// </summary>
    NodeLocal = 1,

    /// <summary>
    /// The Proactive strategy: one etcd cluster with a member per edge node. At migration the
    /// source moves the leader to the target node's member ("leader-move", subject to the
    /// leader-competition policy); with <see cref="EtcdStorageOptions.AwaitCatchUp"/> the target
    /// waits until its member applied the state's revision ("catch-up"). Reads are served by the
    /// local member when that is provably not stale.
    /// Leader moves make etcd drop proposals that followers forward mid-transfer, answered only at
    /// etcd's request timeout (about 7 s), so this mode gives each attempt of an etcd call
    /// <see cref="EtcdStorageOptions.DefaultReplicatedAttemptTimeout"/> unless <c>Client.AttemptTimeout</c> is set: a read is
    /// sent again, and a write (a compare-and-swap) is sent again and resolved.
    /// </summary>
    Replicated = 2,
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
        if (!Enum.IsDefined(options.Migration))
        {
            errors.Add($"EtcdStorageOptions.Migration of storage '{name}' is not a known mode: {options.Migration}.");
        }
        if (options.CatchUpTimeout <= TimeSpan.Zero)
        {
            errors.Add($"EtcdStorageOptions.CatchUpTimeout of storage '{name}' must be positive.");
        }
        if (options.LeaderMoveCooldown < TimeSpan.Zero)
        {
            errors.Add($"EtcdStorageOptions.LeaderMoveCooldown of storage '{name}' must not be negative.");
        }
        if (options.Migration == EtcdMigrationMode.Replicated && options.LocalMember is { } local && !options.Client.Endpoints.Contains(local))
        {
            errors.Add($"EtcdStorageOptions.LocalMember of storage '{name}' ({local}) must be one of Client.Endpoints.");
        }
        if (options.CompactionInterval < TimeSpan.Zero)
        {
            errors.Add($"EtcdStorageOptions.CompactionInterval of storage '{name}' must not be negative.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
