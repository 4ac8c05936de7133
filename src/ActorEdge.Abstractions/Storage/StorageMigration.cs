namespace ActorEdge;

/// <summary>
/// Where a grain's state lives, and so what moves when the grain migrates (DESIGN.md §7). A grain
/// class chooses one with <see cref="MigrationStrategyAttribute"/>; a cluster may set a default.
/// A persistent state declared without a storage name then uses the storage provider registered
/// under the strategy's name (<c>"Centralized"</c>, <c>"Reactive"</c>, <c>"Proactive"</c>).
/// </summary>
public enum MigrationStrategy
{
    /// <summary>State in one central store (Redis, one etcd): only compute moves.</summary>
    Centralized = 1,

    /// <summary>State on the node hosting the grain (NodeLocal, a node's etcd): the stored record moves with the grain.</summary>
    Reactive = 2,

    /// <summary>State replicated on every candidate node (etcd member per node, CRDT replicas): only compute moves.</summary>
    Proactive = 3,
}

/// <summary>Chooses the <see cref="MigrationStrategy"/> of a grain class (inherited by subclasses).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class MigrationStrategyAttribute(MigrationStrategy strategy) : Attribute
{
    /// <summary>The strategy.</summary>
    public MigrationStrategy Strategy { get; } = strategy;
}

/// <summary>One persistent state of a migrating grain, as a storage provider sees it.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="StateName">The state's name within the grain.</param>
/// <param name="ETag">
/// The state's version as the source activation last read or wrote it (null: no record); also
/// null when the runtime fetches a record for a fresh activation (see <see cref="IGrainStorageMigration"/>).
/// </param>
/// <param name="Source">The silo the grain leaves.</param>
/// <param name="Target">The silo the grain moves to.</param>
/// <param name="TargetNode">The target silo's edge node (null when the source does not know it).</param>
public sealed record StateMigration(GrainId GrainId, string StateName, string? ETag, SiloAddress Source, SiloAddress Target, string? TargetNode);

/// <summary>
/// Implemented by a storage provider (an <see cref="IGrainStorage"/>) whose records take part in
/// live migration. The runtime calls it once per persistent state of a migrating activation that
/// uses the provider, in this order:
/// <list type="number">
/// <item><see cref="PrepareAsync"/> on the source, as soon as the migration is decided, while the
/// grain still serves (optional).</item>
/// <item><see cref="ExportAsync"/> on the source, after <c>OnDeactivateAsync</c>: make the stored
/// record durable and return what the target needs (the record with its version, a causal
/// context), or prepare the target's node (move the etcd leader there).</item>
/// <item><see cref="ImportAsync"/> on the target, before the directory moves to it: store what
/// the source sent, or wait until the local replica has caught up. Throwing refuses the
/// hand-over: the grain stays with the source's copy, which nothing has removed.</item>
/// <item><see cref="CompleteAsync"/> on the source, once the target has confirmed: drop the
/// source's copy.</item>
/// </list>
/// Each step is measured as a migration component with the name the provider gives it.
/// <para>
/// Providers that move the record (<see cref="TransfersRecord"/>) are also asked when a grain
/// activates fresh on a silo whose store lacks its record (it deactivated elsewhere, or a
/// migration fell back): the runtime asks every other active silo to <see cref="ExportAsync"/>
/// (empty bytes: not held there), imports what the holder exported, then has the holder
/// <see cref="CompleteAsync"/>. No activation of the grain runs on the holder meanwhile (the
/// directory names the new one), so nothing writes the holder's copy between the steps.
/// </para>
/// </summary>
public interface IGrainStorageMigration
{
    /// <summary>
    /// Whether the stored record itself travels (Reactive): the in-memory state is then not handed
    /// over, and the target activation reads the imported record from its own store. When false,
    /// the in-memory state travels with its ETag, which must stay valid at the target.
    /// </summary>
    bool TransfersRecord { get; }

    /// <summary>
    /// Whether this provider's record versions are comparable across silos: a record keeps its version
    /// when it moves and every write raises it, so of two copies of a record the higher version is the
    /// newer. A fresh activation then asks the other silos even when this silo holds the record, so a
    /// copy left behind here (a source that crashed after its hand-over, a complete that failed) is
    /// replaced by the newer one a peer holds instead of being read as the state; <see cref="ImportAsync"/>
    /// keeps the local record when it is the newer. A silo that does not answer is then skipped with a
    /// warning. The default is false (versions of separate stores, such as etcd mod revisions, are not
    /// comparable): the local record is trusted and peers are asked only when there is none.
    /// </summary>
    bool ComparesRecordVersions => false;

    /// <summary>The migration component <see cref="ExportAsync"/> is measured as (for example "flush", "leader-move").</summary>
    string ExportComponent { get; }

    /// <summary>The migration component <see cref="ImportAsync"/> is measured as (for example "import", "catch-up").</summary>
    string ImportComponent { get; }

    /// <summary>
    /// Source side, as soon as a migration to <see cref="StateMigration.Target"/> is decided and while
    /// the grain still serves: prepares the target so the hand-over need not wait for it (the
    /// Proactive etcd flavour moves the leader to the target's member here). The grain stops serving
    /// for the hand-over only once every state's preparation ended; a failure is logged and the
    /// migration goes on (preparing is a matter of latency). Measured as the "prepare" component.
    /// <see cref="StateMigration.ETag"/> is the state's version when the migration was decided; the
    /// grain may still write after it. The default does nothing.
    /// </summary>
    Task PrepareAsync(StateMigration migration, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Source side: returns the bytes <see cref="ImportAsync"/> gets on the target (empty for none).</summary>
    Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken);

    /// <summary>
    /// Target side: takes what <see cref="ExportAsync"/> returned; completes once the target may
    /// activate the grain. Empty bytes in a hand-over mean the grain has no record: the target must
    /// hold none afterwards (a fetch never imports empty bytes). A fetch (<see cref="StateMigration.ETag"/>
    /// null) must not replace a newer local record, such as the tombstone of a clear.
    /// </summary>
    Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken);

    /// <summary>Source side, after the target confirmed: removes what the source no longer owns.</summary>
    Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken);
}
