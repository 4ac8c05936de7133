using System.Diagnostics;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Migration;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Activations;

// Live migration: the source side (MigrateNowAsync) and the target side (rehydration).
// The protocol is described in docs/runtime.md, "Live migration".
internal sealed partial class ActivationData
{
    private PendingMigration? _migration;

    /// <summary>A migration whose target the storage providers prepare while the grain still serves.</summary>
    private PendingMigration? _preparing;

    /// <summary>The target of the hand-over in flight and the connection it went on, while requests that arrive follow it there at once.</summary>
    private (SiloAddress Target, Connection Connection)? _handingOverTo;

    /// <summary>Source side: the requests that followed the hand-over in flight, which this activation owns until it is answered.</summary>
    private List<Message>? _followed;

    /// <summary>Target side: the hand-over registered this activation (requests that followed it are this activation's to serve).</summary>
    private bool _handOverRegistered;

    /// <summary>Target side: the hand-over that created this activation was refused (what followed it is the source's).</summary>
    private bool _handOverRefused;

    /// <summary>
    /// Asks the activation to migrate once idle (any thread); completes when it has moved, or why it
    /// did not. <paramref name="traceParent"/>: the span of the call that asked, if traced.
    /// </summary>
    public Task<MigrationOutcome> MigrateAsync(SiloAddress? target, MigrationTrigger trigger, string? traceParent = null)
    {
        var request = new PendingMigration(target, trigger, _runtime.TimeProvider.GetTimestamp(), traceParent);
        _scheduler.Post(static state =>
        {
            var (activation, pending) = ((ActivationData, PendingMigration))state!;
            activation.RequestMigration(pending);
        }, (this, request));
        return request.Completion.Task;
    }

    void IGrainContext.MigrateOnIdle(SiloAddress? target)
    {
        // Called inside a grain call: its span asked for the migration.
        var request = new PendingMigration(target, MigrationTrigger.Grain, _runtime.TimeProvider.GetTimestamp(), Activity.Current?.Id);
        if (_scheduler.IsCurrent)
        {
            RequestMigration(request);
        }
        else
        {
            _scheduler.Post(static state =>
            {
                var (activation, pending) = ((ActivationData, PendingMigration))state!;
                activation.RequestMigration(pending);
            }, (this, request));
        }
    }

    /// <summary>Starts a migration given to a target by a hand-over (any thread): rehydrate, activate, serve.</summary>
    public void StartRehydrated(MigrationContext context, MigrationTrigger trigger) =>
        _scheduler.Post(static state =>
        {
            var (activation, rehydration, why) = ((ActivationData, MigrationContext, MigrationTrigger))state!;
            // Registered: what followed the hand-over is served here, whatever happens next.
            activation._handOverRegistered = true;
            foreach (var item in activation._waiting)
            {
                if (item is Message message)
                {
                    message.Flags &= ~MessageFlags.FollowedHandOver;
                }
            }
            _ = activation.RehydrateAsync(rehydration, why);
        }, (this, context, trigger));

    /// <summary>A hand-over that did not register this (target) activation: it never existed; what waits goes to the winner.</summary>
    public void CancelRehydration(GrainAddress? winner) =>
        _scheduler.Post(static state =>
        {
            var (activation, registered) = ((ActivationData, GrainAddress?))state!;
            activation._handOverRefused = true;
            activation.State = ActivationState.Invalid;
            activation._runtime.Catalog.Remove(activation);
            // A drain may have asked it to move on meanwhile: that request ends here, or the drain waits forever.
            activation.EndPendingMigration(MigrationOutcome.NotActive);
            while (activation._waiting.TryDequeue(out var item))
            {
                if (item is not Message message)
                {
                    continue;
                }
                if ((message.Flags & MessageFlags.FollowedHandOver) != 0)
                {
                    // The source still holds it and sends it again, now that this silo refused.
                    message.ReleasePayload();
                    continue;
                }
                if (registered is not null)
                {
                    activation._runtime.Router.Forward(message, registered.Silo, "another activation is registered");
                }
                else
                {
                    // A request that followed the refused hand-over goes back once (it never follows
                    // again), like the forward that brought it: neither counts against MaxForwardCount.
                    activation._runtime.Router.Reroute(message, "the migration to this silo failed", counted: (message.Flags & MessageFlags.HeldByMigration) == 0);
                }
            }
            activation._deactivated.TrySetResult();
        }, (this, winner));

    /// <summary>
    /// Target side, for a request that followed a hand-over here: true to take it as usual (this
    /// activation awaits or won the hand-over; once registered, it is an ordinary request); false
    /// when the hand-over was refused, so the source, which holds the request, sends it again.
    /// </summary>
    private bool AcceptsFollower(Message message)
    {
        if (_handOverRefused)
        {
            LogDebugFollowerDropped(_runtime.Logger, GrainId, message.CorrelationId);
            message.ReleasePayload();
            return false;
        }
        if (State != ActivationState.Rehydrating || _handOverRegistered)
        {
            message.Flags &= ~MessageFlags.FollowedHandOver;
        }
        return true;
    }

    /// <summary>Source side: sends a request behind the hand-over in flight, and keeps it until the hand-over is answered.</summary>
    private bool TryFollow(Message message, SiloAddress target, Connection connection)
    {
        if (!_runtime.Router.TryFollowHandOver(message, target, connection))
        {
            return false;
        }
        (_followed ??= []).Add(message);
        return true;
    }

    private void RequestMigration(PendingMigration request)
    {
        if (State is ActivationState.Deactivating or ActivationState.Invalid or ActivationState.Migrating || _deactivateWhenIdle)
        {
            request.Complete(MigrationOutcome.NotActive);
            return;
        }
        if ((_migration ?? _preparing) is { } pending)
        {
            pending.Join(request);
            return;
        }
        if (StartPreparing(request))
        {
            return;
        }
        BeginMigration(request);
    }

    /// <summary>The migration is decided (and its target prepared): no new turn starts, and it runs once idle.</summary>
    private void BeginMigration(PendingMigration request)
    {
        _migration = request;
        // Called from a turn, _running > 0: the turn's completion pumps, and the pump starts the migration.
        if (State == ActivationState.Valid && _running == 0)
        {
            _ = MigrateNowAsync();
        }
    }

    /// <summary>
    /// Asks the storage of each state to prepare the target (<see cref="IGrainStorageMigration.PrepareAsync"/>)
    /// while the grain goes on serving; returns false when none has anything to do, so the migration
    /// begins at once. Otherwise it begins when the preparations ended (or after the hand-over budget).
    /// </summary>
    private bool StartPreparing(PendingMigration request)
    {
        if (State != ActivationState.Valid || ChooseMigrationTarget(request.Target) is not { } target)
        {
            return false;
        }
        List<Task>? preparing = null;
        foreach (var state in _states)
        {
            if (state.StorageMigration is not { } storage)
            {
                continue;
            }
            var migration = new StateMigration(GrainId, state.StateName, state.Etag, Silo, target, _runtime.EdgeTopology.NodeOf(target));
            Task prepare;
            try
            {
                prepare = storage.PrepareAsync(migration, _lifetime.Token);
            }
            catch (Exception e)
            {
                prepare = Task.FromException(e);
            }
            if (!prepare.IsCompletedSuccessfully)
            {
                (preparing ??= []).Add(prepare);
            }
        }
        if (preparing is null)
        {
            return false;
        }
        request.PreparedTarget = target;
        _preparing = request;
        _ = FinishPreparingAsync(request, preparing);
        return true;
    }

    private async Task FinishPreparingAsync(PendingMigration request, List<Task> preparing)
    {
        var start = _runtime.TimeProvider.GetTimestamp();
        var all = Task.WhenAll(preparing);
        try
        {
            await all.WaitAsync(_runtime.Migration.Options.HandOverTimeout, _runtime.TimeProvider).ConfigureAwait(true);
        }
        catch (Exception e) when (State == ActivationState.Valid)
        {
            LogWarningPrepareFailed(_runtime.Logger, GrainId, request.PreparedTarget, e);
        }
        catch (Exception)
        {
            // Deactivated meanwhile (which cancels the preparation and ended the request).
        }
        if (!all.IsCompleted)
        {
            // Past the budget the migration goes on without it; whatever the preparation ends with is observed.
            _ = all.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        Record(ClassInfo.GrainType, PendingMigration.TagOf(request.Trigger), "prepare", _runtime.TimeProvider.GetElapsedTime(start));
        if (!ReferenceEquals(_preparing, request))
        {
            // Ended while preparing (deactivated, failed, abandoned): EndPendingMigration answered it.
            return;
        }
        _preparing = null;
        if (State != ActivationState.Valid || _deactivateWhenIdle)
        {
            request.Complete(MigrationOutcome.NotActive);
            return;
        }
        BeginMigration(request);
    }

    /// <summary>The activation stops serving here: the migration asked of it, decided or still preparing, ends with <paramref name="outcome"/>.</summary>
    private void EndPendingMigration(MigrationOutcome outcome)
    {
        var pending = _migration ?? _preparing;
        _migration = null;
        _preparing = null;
        pending?.Complete(outcome);
    }

    private async Task MigrateNowAsync()
    {
        var migration = _migration!;
        var time = _runtime.TimeProvider;
        // The prepared silo, unless a joined request named another; placement again if it has left.
        var target = migration is { Target: null, PreparedTarget: { } prepared }
            ? ChooseMigrationTarget(prepared) ?? ChooseMigrationTarget(null)
            : ChooseMigrationTarget(migration.Target);
        if (target is null)
        {
            _migration = null;
            migration.Complete(MigrationOutcome.NoTarget);
            LogDebugMigrationNoTarget(_runtime.Logger, GrainId, migration.Target);
            Pump();
            return;
        }

        State = ActivationState.Migrating;
        var trigger = PendingMigration.TagOf(migration.Trigger);
        var decision = time.GetElapsedTime(migration.RequestedAtTimestamp);
        foreach (var timer in _timers.ToArray())
        {
            timer.Dispose();
        }
        RequestContext.Import(null);
        // What the last turn left is not this migration's parent; the request for it is.
        Activity.Current = null;
        using var activity = StartMigrationActivity(migration, target, decision);

        var step = time.GetTimestamp();
        var context = new MigrationContext();
        _deactivationReason = new DeactivationReason(DeactivationReasonCode.Migrating, $"migrating to {target}");
        Exception? failure = null;
        try
        {
            if (_grain is Grain grain)
            {
                using var timeout = new CancellationTokenSource(_runtime.CollectionOptions.ActivationTimeout, time);
                await grain.OnDeactivateAsync(_deactivationReason, timeout.Token).ConfigureAwait(true);
            }
            foreach (var state in _states)
            {
                state.OnDehydrate(context);
            }
            if (_grain is IGrainMigrationParticipant participant)
            {
                participant.OnDehydrate(context);
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        var dehydrate = time.GetElapsedTime(step);
        activity?.AddEvent(new ActivityEvent("dehydrated"));
        _lifetime.Cancel();

        // Storage that takes part: flush and export the record, or prepare the target's node.
        List<(IGrainStorageMigration Storage, StateMigration Migration)>? exported = null;
        if (failure is null)
        {
            try
            {
                exported = await ExportStatesAsync(target, context, migration.Trigger).ConfigureAwait(true);
                activity?.AddEvent(new ActivityEvent("exported"));
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        GrainAddress? moved = null;
        var transfer = TimeSpan.Zero;
        var import = TimeSpan.Zero;
        var directory = TimeSpan.Zero;
        Connection? connection = null;
        if (failure is null)
        {
            step = time.GetTimestamp();
            try
            {
                // Taken before the hand-over is sent: if it is open, the hand-over goes on it (or it has closed).
                connection = _runtime.MessageCenter.OpenConnectionTo(target);
                var handOver = _runtime.Migration.HandOverAsync(target, Address, context, migration.Trigger);
                activity?.AddEvent(new ActivityEvent("hand-over sent"));
                FollowHandOver(target, connection, handOver);
                (moved, import, directory) = await handOver.ConfigureAwait(true);
            }
            catch (Exception e)
            {
                failure = e;
            }
            _handingOverTo = null;
            // The target reports its storage import and directory update; the rest of the round trip is the transfer.
            transfer = time.GetElapsedTime(step) - import - directory;
        }

        _migration = null;
        if (_followed is { } followed)
        {
            _followed = null;
            await SettleFollowersAsync(followed, target, connection!, moved, failure).ConfigureAwait(true);
        }
        if (moved is null)
        {
            // Whether the target registered is unknown when the hand-over timed out: never serve
            // again here. Unregistering is conditional, so a target that did register keeps the
            // grain; what waited is addressed again and finds it (or a fresh activation).
            ActorEdgeInstruments.Migrations.Add(1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType), new KeyValuePair<string, object?>("trigger", trigger), new KeyValuePair<string, object?>("outcome", "failed"));
            LogWarningMigrationFailed(_runtime.Logger, GrainId, target, failure!);
            activity?.SetTag("actoredge.migration.outcome", "failed");
            activity?.SetStatus(ActivityStatusCode.Error, failure!.Message);
            var error = new GrainException($"Migration of {GrainId} to {target} failed ({failure!.Message}); the activation was deactivated instead, and its next call activates it again.", failure);
            migration.Fail(error);
            await CompleteDeactivationAsync().ConfigureAwait(true);
            return;
        }

        // The directory now names the target: hand everything that waited over to it.
        activity?.AddEvent(new ActivityEvent("handed over"));
        _migratedTo = moved.Silo;
        State = ActivationState.Invalid;
        _runtime.Catalog.Remove(this);
        _runtime.Locator.UpdateCache(moved);
        ActorEdgeInstruments.Activations.Add(-1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType));
        var forwarded = 0;
        while (_waiting.TryDequeue(out var item))
        {
            if (item is Message message)
            {
                _runtime.Router.ForwardMigrated(message, moved.Silo);
                forwarded++;
            }
        }
        _deactivated.TrySetResult();
        if (exported is not null)
        {
            await CompleteExportsAsync(exported).ConfigureAwait(true);
        }

        var total = time.GetElapsedTime(migration.RequestedAtTimestamp);
        _runtime.MigrationCosts.Record(ClassInfo.GrainType, (total - decision).TotalMilliseconds);
        Record(ClassInfo.GrainType, trigger, "decision", decision);
        Record(ClassInfo.GrainType, trigger, "dehydrate", dehydrate);
        Record(ClassInfo.GrainType, trigger, "transfer", transfer);
        Record(ClassInfo.GrainType, trigger, "directory", directory);
        Record(ClassInfo.GrainType, trigger, "total", total);
        ActorEdgeInstruments.Migrations.Add(1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType), new KeyValuePair<string, object?>("trigger", trigger), new KeyValuePair<string, object?>("outcome", "migrated"));
        activity?.SetTag("actoredge.migration.outcome", "migrated");
        activity?.SetTag("actoredge.migration.forwarded", forwarded);
        LogInformationMigrated(_runtime.Logger, GrainId, Silo, moved.Silo, trigger, context.Count, forwarded,
            decision.TotalMilliseconds, dehydrate.TotalMilliseconds, transfer.TotalMilliseconds, directory.TotalMilliseconds);
        migration.Complete(MigrationOutcome.Migrated);
    }

    /// <summary>
    /// The migration's trace span, when someone listens: from the request for it (the decision and
    /// any preparation) to the end, child of the span that asked for it; events mark the steps, and
    /// the target's acceptance of the hand-over is a child span on the target silo.
    /// </summary>
    private Activity? StartMigrationActivity(PendingMigration migration, SiloAddress target, TimeSpan decision)
    {
        if (!ActorEdgeInstruments.ActivitySource.HasListeners())
        {
            return null;
        }
        var activity = ActorEdgeInstruments.ActivitySource.StartActivity($"migrate {ClassInfo.GrainType}", ActivityKind.Internal,
            migration.TraceParent, startTime: DateTimeOffset.UtcNow - decision);
        activity?.SetTag("actoredge.grain", GrainId.ToString());
        activity?.SetTag("actoredge.migration.source", Silo.ToString());
        activity?.SetTag("actoredge.migration.target", target.ToString());
        activity?.SetTag("actoredge.migration.trigger", PendingMigration.TagOf(migration.Trigger));
        activity?.AddEvent(new ActivityEvent("idle"));
        return activity;
    }

    /// <summary>
    /// The hand-over is on the wire to <paramref name="target"/>: from now on, requests follow it
    /// there at once, on the same connection, rather than wait here for its answer (a round trip
    /// later). The target holds them in the new activation until it serves; if it refuses, it
    /// readdresses them through the directory, which still names this activation. A request that a
    /// migration has moved before is not sent on again (it may be coming back from a target that
    /// refused): it waits here for the answer, and so does everything behind it, to keep the order.
    /// Only the connection the hand-over went on keeps the order: requests follow on it alone, and
    /// once it refuses one (closed), that one and everything after it wait here.
    /// </summary>
    private void FollowHandOver(SiloAddress target, Connection? connection, Task handOver)
    {
        if (handOver.IsCompleted || connection is null)
        {
            return;
        }
        while (_waiting.TryPeek(out var item))
        {
            if (item is Message { Flags: var flags } message)
            {
                if ((flags & MessageFlags.HeldByMigration) != 0 || !TryFollow(message, target, connection))
                {
                    return;
                }
            }
            // A queued timer tick is dropped, as when the activation leaves (timers do not migrate).
            _waiting.Dequeue();
        }
        _handingOverTo = (target, connection);
    }

    /// <summary>
    /// Decides where the requests that followed the hand-over belong. The target runs them only once
    /// it registered in the directory, so: accepted, they are the target's (their callers are told);
    /// refused, the target drops them and they wait here again, ahead of what waits, to be addressed
    /// again with it. Without an answer (the target died, the hand-over timed out, or its answer
    /// could not be read) the directory decides: a fence, a compare-and-swap of this activation's
    /// entry to an address that no activation has, either wins (the target cannot register any more,
    /// since a swap never registers over a missing entry either) and they wait here again, or does
    /// not, and they are left to the target (a caller whose target died gets the silo's failure, as
    /// for any call in flight on a silo that dies).
    /// </summary>
    private async Task SettleFollowersAsync(List<Message> followed, SiloAddress target, Connection connection, GrainAddress? moved, Exception? failure)
    {
        // The write loop must be done with them before they change or go elsewhere: once the
        // connection has closed, each was written or handed back (and its hold released).
        var waited = _runtime.TimeProvider.GetTimestamp();
        while (!connection.Closed.IsCompleted && followed.Exists(static m => !m.Written))
        {
            if (_runtime.TimeProvider.GetElapsedTime(waited) > _runtime.Migration.Options.HandOverTimeout)
            {
                connection.Abort(new TimeoutException($"Requests that followed the hand-over of {GrainId} were not sent in time."));
            }
            await Task.WhenAny(connection.Closed, Task.Delay(TimeSpan.FromMilliseconds(5), _runtime.TimeProvider)).ConfigureAwait(true);
        }

        var registered = moved is not null;
        if (!registered && failure is (not GrainException) or SiloUnavailableException)
        {
            registered = !await FenceAsync(target).ConfigureAwait(true);
        }
        if (registered)
        {
            var closed = connection.Closed.IsCompleted;
            foreach (var message in followed)
            {
                _runtime.Router.SettleFollowed(message, target, closed);
            }
            return;
        }
        var behind = _waiting.ToArray();
        _waiting.Clear();
        foreach (var message in followed)
        {
            message.Flags &= ~MessageFlags.FollowedHandOver;
            _waiting.Enqueue(message);
        }
        foreach (var item in behind)
        {
            _waiting.Enqueue(item);
        }
        LogDebugFollowersTakenBack(_runtime.Logger, GrainId, followed.Count, target);
    }

    /// <summary>
    /// True when this activation's directory entry was swapped for a fence, so a hand-over that
    /// went unanswered can no longer register its target. The fence is removed again at once; if
    /// that fails, the next activation of the grain on this silo replaces it (GrainLocator.RegisterAsync).
    /// </summary>
    private async Task<bool> FenceAsync(SiloAddress target)
    {
        var fence = Address with { ActivationId = Random.Shared.NextInt64(1, long.MaxValue) };
        GrainAddress? holder;
        try
        {
            holder = await _runtime.Locator.RegisterMigratedAsync(fence, Address).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            LogWarningFenceFailed(_runtime.Logger, GrainId, target, e);
            return false;
        }
        if (!fence.Equals(holder))
        {
            // The target registered (or the entry is gone: the target may have registered and died).
            return false;
        }
        try
        {
            await _runtime.Locator.UnregisterAsync(fence).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            LogDebugFenceRemovalRetried(_runtime.Logger, GrainId, 1, e.Message);
            _ = RemoveFenceAsync(fence);
        }
        return true;
    }

    /// <summary>
    /// Removes the fence in the background after a first attempt failed (conditionally, so nothing
    /// registered since is touched), retrying while the directory fails: a fence left on a silo
    /// that drains would keep the grain from activating elsewhere until that silo leaves.
    /// </summary>
    private async Task RemoveFenceAsync(GrainAddress fence)
    {
        for (var attempt = 2; ; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _runtime.TimeProvider).ConfigureAwait(false);
            try
            {
                await _runtime.Locator.UnregisterAsync(fence).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < FenceRemovalAttempts)
            {
                LogDebugFenceRemovalRetried(_runtime.Logger, GrainId, attempt, e.Message);
            }
            catch (Exception e)
            {
                LogWarningFenceLeft(_runtime.Logger, GrainId, e);
                return;
            }
        }
    }

    private const int FenceRemovalAttempts = 10;

    /// <summary>Runs the export of every state whose provider takes part in migration; the exports travel in <paramref name="context"/>.</summary>
    private async Task<List<(IGrainStorageMigration Storage, StateMigration Migration)>?> ExportStatesAsync(SiloAddress target, MigrationContext context, MigrationTrigger trigger)
    {
        List<(IGrainStorageMigration Storage, StateMigration Migration)>? exported = null;
        foreach (var state in _states)
        {
            if (state.StorageMigration is not { } storage)
            {
                continue;
            }
            var migration = new StateMigration(GrainId, state.StateName, state.Etag, Silo, target, _runtime.EdgeTopology.NodeOf(target));
            var time = _runtime.TimeProvider;
            var start = time.GetTimestamp();
            using var timeout = new CancellationTokenSource(_runtime.Migration.Options.HandOverTimeout, time);
            var bytes = await storage.ExportAsync(migration, timeout.Token).ConfigureAwait(true);
            RecordMigrationComponent(ClassInfo.GrainType, trigger, storage.ExportComponent, time.GetElapsedTime(start));
            context.StorageExports.Add(new StorageExport(state.StorageName, state.StateName, state.Etag, bytes));
            (exported ??= []).Add((storage, migration));
        }
        return exported;
    }

    /// <summary>The target confirmed: the source's copies go (a failure leaves a stale copy, which is logged).</summary>
    private async Task CompleteExportsAsync(List<(IGrainStorageMigration Storage, StateMigration Migration)> exported)
    {
        foreach (var (storage, migration) in exported)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_runtime.Migration.Options.HandOverTimeout, _runtime.TimeProvider);
                await storage.CompleteAsync(migration, timeout.Token).ConfigureAwait(true);
            }
            catch (Exception e)
            {
                LogWarningMigrationCompleteFailed(_runtime.Logger, migration.StateName, GrainId, e);
            }
        }
    }

    private SiloAddress? ChooseMigrationTarget(SiloAddress? requested)
    {
        if (requested is not null)
        {
            return !_runtime.Local.IsLocal(requested) && _runtime.Membership.IsActive(requested) ? requested : null;
        }
        return _runtime.Placement.PlaceElsewhere(GrainId, ClassInfo.Placement);
    }

    private async Task RehydrateAsync(MigrationContext context, MigrationTrigger trigger)
    {
        RequestContext.Import(null);
        var start = _runtime.TimeProvider.GetTimestamp();
        await ConstructAndActivateAsync(context).ConfigureAwait(true);
        if (State == ActivationState.Valid || State == ActivationState.Deactivating)
        {
            Record(ClassInfo.GrainType, PendingMigration.TagOf(trigger), "activation", _runtime.TimeProvider.GetElapsedTime(start));
        }
    }

    internal static void RecordMigrationComponent(string grainType, MigrationTrigger trigger, string component, TimeSpan elapsed) =>
        Record(grainType, PendingMigration.TagOf(trigger), component, elapsed);

    private static void Record(string grainType, string trigger, string component, TimeSpan elapsed) =>
        ActorEdgeInstruments.MigrationDuration.Record(elapsed.TotalMilliseconds,
            new KeyValuePair<string, object?>("grain.type", grainType),
            new KeyValuePair<string, object?>("trigger", trigger),
            new KeyValuePair<string, object?>("component", component));

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrated {GrainId} from {Source} to {Target} ({Trigger}; {Values} values, {Forwarded} requests forwarded): decision {DecisionMs} ms, dehydrate {DehydrateMs} ms, transfer {TransferMs} ms, directory {DirectoryMs} ms")]
    private static partial void LogInformationMigrated(ILogger logger, GrainId grainId, SiloAddress source, SiloAddress target, string trigger, int values, int forwarded,
        double decisionMs, double dehydrateMs, double transferMs, double directoryMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Preparing {Target} for the migration of {GrainId} failed; the migration goes on")]
    private static partial void LogWarningPrepareFailed(ILogger logger, GrainId grainId, SiloAddress? target, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration of {GrainId} to {Target} failed; deactivating instead")]
    private static partial void LogWarningMigrationFailed(ILogger logger, GrainId grainId, SiloAddress target, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "State '{StateName}' of {GrainId} migrated, but the source's copy could not be removed")]
    private static partial void LogWarningMigrationCompleteFailed(ILogger logger, string stateName, GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The hand-over of {GrainId} to {Target} was not answered and the directory could not tell whether the target registered; the requests that followed it are left to the target")]
    private static partial void LogWarningFenceFailed(ILogger logger, GrainId grainId, SiloAddress target, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removing the directory fence of {GrainId} failed (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogDebugFenceRemovalRetried(ILogger logger, GrainId grainId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The directory fence of {GrainId} could not be removed; the next activation on this silo replaces it")]
    private static partial void LogWarningFenceLeft(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} requests that followed the hand-over of {GrainId} to {Target} wait here again: the target did not register")]
    private static partial void LogDebugFollowersTakenBack(ILogger logger, GrainId grainId, int count, SiloAddress target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request #{CorrelationId} for {GrainId} followed a hand-over this silo refused: dropped, its source sends it again")]
    private static partial void LogDebugFollowerDropped(ILogger logger, GrainId grainId, long correlationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{GrainId} stays: no other silo can take it (requested target {Target})")]
    private static partial void LogDebugMigrationNoTarget(ILogger logger, GrainId grainId, SiloAddress? target);
}
