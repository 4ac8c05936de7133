using System.Globalization;
using ActorEdge.Etcd;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>
/// The Proactive strategy on etcd (<see cref="EtcdMigrationMode.Replicated"/>): one etcd cluster
/// with a member on every edge node; each silo's endpoints list every member, its own first. Only
/// compute moves: the in-memory state travels with its ETag (a mod revision, valid cluster-wide).
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>"prepare" (source, as soon as the migration is decided, while the grain still serves):
/// move the etcd leader to the target node's member as below. The grain's writes during the move
/// go to its own member, the old leader, which drops proposals while leadership transfers and says
/// so at once; the client re-sends them. So the hand-over usually finds the leader moved already.</item>
/// <item>"leader-move" (source, after dehydration): move the etcd leader to the member on the target's node, as the
/// <see cref="EtcdLeaderPolicy"/> allows, so the grain's writes commit from its own node. A move
/// that fails is logged, not thrown: leadership is about latency, the migration is safe without it.</item>
/// <item>"catch-up" (target): nothing by default; reads are checked (see <see cref="EtcdGrainStorage"/>),
/// so a member that lags is not read. With <see cref="EtcdStorageOptions.AwaitCatchUp"/>, wait until
/// the local member has applied the ETag's revision, so the target's first reads are served locally,
/// bounded by <see cref="EtcdStorageOptions.CatchUpTimeout"/>; past it the hand-over is refused.</item>
/// <item>The export is empty, or one byte when the state's last write or clear failed (its stored
/// revision may be above the ETag): the target then reads that key linearizably too.</item>
/// <item>complete: nothing, the record never moved.</item>
/// </list>
/// </remarks>
internal sealed partial class EtcdReplicatedMigration : EtcdMigratingGrainStorage
{
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Uri _localMember;

    public EtcdReplicatedMigration(EtcdGrainStorage storage, ILogger logger, TimeProvider timeProvider)
        : base(storage)
    {
        _logger = logger;
        _timeProvider = timeProvider;
        _localMember = storage.Options.LocalMember ?? storage.Client.Endpoints[0];
        LeaderPolicy = new EtcdLeaderPolicy(storage.Client, storage.Prefix, storage.Options, logger, timeProvider);
    }

    /// <summary>The leader-competition policy.</summary>
    internal EtcdLeaderPolicy LeaderPolicy { get; }

    /// <summary>The outcome of the last leader move this silo asked for (for tests and diagnostics).</summary>
    internal LeaderMoveOutcome? LastLeaderMove { get; private set; }

    public override bool TransfersRecord => false;

    public override string ExportComponent => "leader-move";

    public override string ImportComponent => "catch-up";

    public override Task PrepareAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        return migration.TargetNode is { } node ? MoveLeaderAsync(node, migration.GrainId, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>
    /// The export of a state whose last write or clear failed, was cancelled or was refused: its
    /// stored revision may be above the ETag that travels, so the target must not bound its next
    /// read by it either. Any other export is empty.
    /// </summary>
    private static readonly ReadOnlyMemory<byte> Unbounded = new byte[] { 1 };

    public override async Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var exported = Storage.IsUnbounded(Storage.KeyOf(migration.StateName, migration.GrainId)) ? Unbounded : ReadOnlyMemory<byte>.Empty;
        if (migration.TargetNode is not { } node)
        {
            return exported;
        }
        if (Storage.Options.AwaitLeaderMove)
        {
            await MoveLeaderAsync(node, migration.GrainId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The hand-over goes on at once; the grain's first writes at the target may still go to the old leader.
            PendingLeaderMove = Task.Run(() => MoveLeaderAsync(node, migration.GrainId, CancellationToken.None), CancellationToken.None);
        }
        return exported;
    }

    /// <summary>The last leader move started in the background (<see cref="EtcdStorageOptions.AwaitLeaderMove"/> false).</summary>
    internal Task PendingLeaderMove { get; private set; } = Task.CompletedTask;

    private async Task MoveLeaderAsync(string node, GrainId grainId, CancellationToken cancellationToken)
    {
        try
        {
            LastLeaderMove = await LeaderPolicy.MoveToNodeAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EtcdException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // Where the leader sits is a matter of latency, never of correctness: the migration goes on.
            LogWarningLeaderMoveFailed(_logger, node, grainId, e.Message);
        }
    }

    public override async Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var key = Storage.KeyOf(migration.StateName, migration.GrainId);
        if (!exported.IsEmpty)
        {
            if (!exported.Span.SequenceEqual(Unbounded.Span))
            {
                throw new EtcdStorageException(string.Create(CultureInfo.InvariantCulture,
                    $"etcd grain storage '{Storage.Name}': the hand-over of state '{migration.StateName}' of {migration.GrainId} from {migration.Source} carries an export this provider does not know ({exported.Length} bytes, first {exported.Span[0]}): the source runs another version or another provider under this name. The hand-over is refused; the grain is deactivated there, and its next call activates it again."));
            }
            Storage.ForgetLowerBound(key);
        }
        if (migration.ETag is null)
        {
            return;
        }
        var revision = EtcdGrainStorage.ExpectedRevision(key, migration.ETag, "Import");
        if (Storage.Options.AwaitCatchUp)
        {
            await WaitForRevisionAsync(migration, revision, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The longest pause between two status polls of the catch-up (a status of the local member costs well under a millisecond).</summary>
    private static readonly TimeSpan MaxCatchUpPoll = TimeSpan.FromMilliseconds(4);

    /// <summary>The longest pause once the local member failed a status poll.</summary>
    private static readonly TimeSpan FailingMemberPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until the local member's store revision reaches <paramref name="revision"/>; throws past the catch-up timeout.</summary>
    internal async Task<long> WaitForRevisionAsync(StateMigration migration, long revision, CancellationToken cancellationToken)
    {
        var timeout = Storage.Options.CatchUpTimeout;
        var start = _timeProvider.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(1);
        var failing = false;
        string? last = null;
        while (true)
        {
            try
            {
                var status = await Storage.Client.StatusAsync(_localMember, cancellationToken).ConfigureAwait(false);
                if (status.Revision >= revision)
                {
                    return status.Revision;
                }
                last = string.Create(CultureInfo.InvariantCulture, $"it has applied revision {status.Revision}");
            }
            catch (EtcdException e)
            {
                last = $"it does not answer ({e.Message})";
                failing = true;
            }
            var elapsed = _timeProvider.GetElapsedTime(start);
            if (elapsed >= timeout)
            {
                throw new EtcdStorageException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"etcd grain storage '{Storage.Name}': the local etcd member {_localMember} did not catch up with revision {revision} of state '{migration.StateName}' of {migration.GrainId} within {timeout} (CatchUpTimeout): {last}. The hand-over from {migration.Source} is refused; the grain is deactivated there, and its next call activates it again."));
            }
            var wait = pause < timeout - elapsed ? pause : timeout - elapsed;
            await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
            // The held calls wait for this loop: a follower catches up within a replication round trip
            // (tens of ms at the edge), so poll the local member often rather than overshoot by doubling.
            // A member that fails its status is not catching up soon: back off to 50 ms rather than hammer it.
            var cap = failing ? FailingMemberPoll : MaxCatchUpPoll;
            pause = pause < cap ? pause * 2 : cap;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not move the etcd leader to node {Node} for the migration of {GrainId}: {Reason}")]
    private static partial void LogWarningLeaderMoveFailed(ILogger logger, string node, GrainId grainId, string reason);
}
