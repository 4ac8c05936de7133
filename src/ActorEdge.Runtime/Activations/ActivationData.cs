using System.Diagnostics;
using ActorEdge.Invocation;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Migration;
using ActorEdge.Runtime.Scheduling;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Timers;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Activations;

internal enum ActivationState
{
    /// <summary>Registering in the directory, constructing the grain, reading state, OnActivateAsync.</summary>
    Activating,
    /// <summary>Serving requests.</summary>
    Valid,
    /// <summary>Finishing running requests, then OnDeactivateAsync and unregistration.</summary>
    Deactivating,
    /// <summary>Gone; anything that still reaches it is rerouted.</summary>
    Invalid,
    /// <summary>
    /// Source of a migration: no turn runs, requests wait; deactivating, dehydrating and handing
    /// over to the target, then forwarding what waited (or, if the hand-over failed, deactivating).
    /// </summary>
    Migrating,
    /// <summary>
    /// Target of a migration: created by a hand-over, registered by compare-and-swap, then
    /// constructed, rehydrated and activated; requests wait until it is valid.
    /// </summary>
    Rehydrating,
}

/// <summary>
/// One activation of a grain: its instance, its request queue and its turn-based execution.
/// All of its state is touched only on its <see cref="ActivationScheduler"/>, so it needs no
/// locks; other threads hand it work with <see cref="Receive"/>.
/// </summary>
internal sealed partial class ActivationData : IGrainContext
{
    private readonly SiloRuntime _runtime;
    private readonly ActivationScheduler _scheduler;
    private readonly Queue<object> _waiting = new();
    private readonly List<IPersistentStateBridge> _states = [];
    private Exception? _activationFailure;
    private readonly List<GrainTimer> _timers = [];
    private readonly CancellationTokenSource _lifetime = new();
    // Bound once per activation so posting a request passes the message alone, boxing nothing.
    private readonly SendOrPostCallback _receive;
    private Dictionary<(SiloAddress?, long), ResponseSink>? _cancelable;
    private object? _grain;
    /// <summary>Where requests go when this activation lost the registration race.</summary>
    private SiloAddress? _forwardTo;
    /// <summary>Where this activation migrated to: requests that were already on their way to it follow.</summary>
    private SiloAddress? _migratedTo;
    private int _running;
    private bool _deactivateWhenIdle;
    private DeactivationReason _deactivationReason;
    private long _lastActiveTimestamp;
    private long _keepAliveUntilTimestamp;

    public ActivationData(GrainId grainId, GrainClassInfo classInfo, SiloRuntime runtime, bool rehydrating = false)
    {
        State = rehydrating ? ActivationState.Rehydrating : ActivationState.Activating;
        GrainId = grainId;
        ClassInfo = classInfo;
        _runtime = runtime;
        _scheduler = new ActivationScheduler(runtime.Logger);
        _receive = state => OnReceive((Message)state!);
        Address = new GrainAddress(grainId, runtime.Local.Address, Random.Shared.NextInt64(1, long.MaxValue));
        _lastActiveTimestamp = runtime.TimeProvider.GetTimestamp();
    }

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public GrainAddress Address { get; }

    /// <summary>Read from other threads for idle collection and diagnostics; written on the scheduler.</summary>
    public volatile ActivationState State;

    public SiloAddress Silo => _runtime.Local.Address;

    public IServiceProvider ActivationServices => _runtime.Services;

    public IGrainFactory GrainFactory => _runtime.CallRuntime;

    public object? GrainInstance => _grain;

    internal ActivationScheduler Scheduler => _scheduler;

    internal SiloRuntime Runtime => _runtime;

    /// <summary>Whether the activation has been idle for at least <paramref name="age"/> (racy read; confirmed on the scheduler).</summary>
    public bool IsIdleFor(TimeSpan age, long now) =>
        Volatile.Read(ref _running) == 0 && now >= Volatile.Read(ref _keepAliveUntilTimestamp)
        && _runtime.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastActiveTimestamp), now) >= age;

    /// <summary>Hands a request to the activation (any thread).</summary>
    /// <param name="message">The request.</param>
    /// <param name="fromNetwork">
    /// True on a connection's read loop: an idle activation then runs the turn right there
    /// (see <see cref="ActivationScheduler.RunOrPost"/>). Never for local callers, whose awaits would
    /// then complete synchronously and could keep a thread-pool thread forever.
    /// </param>
    public void Receive(Message message, bool fromNetwork = false)
    {
        if (fromNetwork)
        {
            _scheduler.RunOrPost(_receive, message);
        }
        else
        {
            _scheduler.Post(_receive, message);
        }
    }

    /// <summary>Starts activating (called once, right after the activation was added to the catalog).</summary>
    public void Start() => _scheduler.Post(static state => _ = ((ActivationData)state!).ActivateAsync(), this);

    /// <summary>Asks the activation to deactivate once idle (any thread).</summary>
    public void RequestDeactivation(DeactivationReason reason) =>
        _scheduler.Post(static state =>
        {
            var (activation, why) = ((ActivationData, DeactivationReason))state!;
            activation.BeginDeactivation(why);
        }, (this, reason));

    /// <summary>Deactivates and completes when done (any thread).</summary>
    public Task DeactivateAsync(DeactivationReason reason)
    {
        RequestDeactivation(reason);
        return _deactivated.Task;
    }

    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the activation has left (deactivated, migrated, lost its registration or abandoned).</summary>
    public Task Deactivated => _deactivated.Task;

    /// <summary>Cancels the token of a running request (a Cancel message from its caller).</summary>
    public void CancelRequest(SiloAddress? sender, long correlationId) =>
        _scheduler.Post(static state =>
        {
            var (activation, key) = ((ActivationData, (SiloAddress?, long)))state!;
            if (activation._cancelable is { } map && map.TryGetValue(key, out var sink))
            {
                sink.Cancel();
            }
        }, (this, (sender, correlationId)));

    /// <summary>Drops the activation without running anything more of it (the silo crashed).</summary>
    public void Abandon() =>
        _scheduler.Post(static state =>
        {
            var activation = (ActivationData)state!;
            activation.State = ActivationState.Invalid;
            foreach (var timer in activation._timers.ToArray())
            {
                timer.Dispose();
            }
            activation._lifetime.Cancel();
            activation._waiting.Clear();
            activation.EndPendingMigration(MigrationOutcome.NotActive);
            activation._deactivated.TrySetResult();
        }, this);

    public void DeactivateOnIdle()
    {
        _deactivateWhenIdle = true;
        _deactivationReason = new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called");
        if (_scheduler.IsCurrent && _running == 0 && State == ActivationState.Valid)
        {
            BeginDeactivation(_deactivationReason);
        }
    }

    public void DelayDeactivation(TimeSpan timeSpan)
    {
        var until = _runtime.TimeProvider.GetTimestamp() + (long)(timeSpan.TotalSeconds * _runtime.TimeProvider.TimestampFrequency);
        Volatile.Write(ref _keepAliveUntilTimestamp, until);
    }

    public IPersistentState<TState> GetPersistentState<TState>(string stateName, string? storageName)
    {
        var (providerName, storage) = _runtime.ResolveStorage(storageName, ClassInfo, GrainId);
        var state = new PersistentState<TState>(stateName, GrainId, providerName, storage, $"actoredge.state.{_states.Count}.{stateName}");
        _states.Add(state);
        return state;
    }

    public IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        if (State is ActivationState.Deactivating or ActivationState.Invalid or ActivationState.Migrating)
        {
            throw new InvalidOperationException($"Grain {GrainId} is deactivating: it cannot register timers.");
        }
        var timer = new GrainTimer<TState>(this, callback, state, options, _runtime.TimeProvider);
        _timers.Add(timer);
        timer.Start();
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer) => _timers.Remove(timer);

    /// <summary>Queues a timer tick as a turn (on the scheduler).</summary>
    internal void EnqueueTick(GrainTimer timer)
    {
        if (State is ActivationState.Deactivating or ActivationState.Invalid or ActivationState.Migrating)
        {
            return;
        }
        if (timer.Interleave && State == ActivationState.Valid && _migration is null)
        {
            StartTick(timer);
            return;
        }
        _waiting.Enqueue(timer);
        Pump();
    }

    /// <summary>The requests and ticks waiting for a turn (an unsynchronized read from any thread: a snapshot, for tests and diagnostics).</summary>
    internal int WaitingRequests => _waiting.Count;

    /// <summary>Whether a migration was asked of this activation and has not ended (tests poll it; read from any thread).</summary>
    internal bool MigrationPending => (Volatile.Read(ref _migration) ?? Volatile.Read(ref _preparing)) is not null;

    public override string ToString() => $"[Activation {GrainId} on {_runtime.Local.Address}]";

    private void OnReceive(Message message)
    {
        if ((message.Flags & MessageFlags.FollowedHandOver) != 0 && !AcceptsFollower(message))
        {
            return;
        }
        switch (State)
        {
            case ActivationState.Invalid when _activationFailure is { } failure:
                // Failed before this request reached it (its first turn can fail synchronously): the caller gets why.
                _runtime.Router.RespondWithError(message, failure);
                return;
            case ActivationState.Invalid when _migratedTo is { } successor:
                _runtime.Router.ForwardMigrated(message, successor);
                return;
            case ActivationState.Invalid when _forwardTo is { } winner:
                _runtime.Router.Forward(message, winner, "another activation is registered");
                return;
            case ActivationState.Invalid:
                _runtime.Router.Reroute(message, "the activation was deactivated");
                return;
            case ActivationState.Valid when (message.Flags & MessageFlags.AlwaysInterleave) != 0 && _migration is null:
                StartRequest(message);
                return;
            case ActivationState.Migrating when _handingOverTo is { } handOver && (message.Flags & MessageFlags.HeldByMigration) == 0
                && TryFollow(message, handOver.Target, handOver.Connection):
                return;
            default:
                if (State == ActivationState.Migrating)
                {
                    // Queued behind this one, later arrivals must not overtake it.
                    _handingOverTo = null;
                }
                if (State == ActivationState.Rehydrating)
                {
                    message.Flags |= MessageFlags.HeldByMigration;
                }
                _waiting.Enqueue(message);
                Pump();
                return;
        }
    }

    private void Pump()
    {
        // A pending migration starts no new turn: what waits is forwarded to the new activation.
        while (State == ActivationState.Valid && _migration is null && _waiting.Count > 0)
        {
            var next = _waiting.Peek();
            if (_running > 0 && !ClassInfo.IsReentrant)
            {
                return;
            }
            _waiting.Dequeue();
            if (next is Message message)
            {
                StartRequest(message);
            }
            else
            {
                StartTick((GrainTimer)next);
            }
        }
        if (State == ActivationState.Valid && _running == 0 && _deactivateWhenIdle)
        {
            BeginDeactivation(_deactivationReason);
        }
        else if (State == ActivationState.Valid && _running == 0 && _migration is not null)
        {
            _ = MigrateNowAsync();
        }
    }

    private void StartRequest(Message message)
    {
        if (message.ExpiresAtTimestamp != 0 && _runtime.TimeProvider.GetTimestamp() > message.ExpiresAtTimestamp)
        {
            // The caller has given up already; running it would only waste work.
            message.ReleasePayload();
            return;
        }

        _running++;
        _lastActiveTimestamp = _runtime.TimeProvider.GetTimestamp();
        RequestContext.Import(message.RequestContext);
        Edge.CallOrigin.Set(message.OriginNode);
        RecordCallOrigin(message.OriginNode);
        var sink = new ResponseSink(this, message);
        ValueTask pending;
        if (!ClassInfo.Invokers.TryGetValue(message.InterfaceId, out var invoker))
        {
            pending = sink.Fail(new GrainMethodNotFoundException(
                $"Grain {GrainId} ({ClassInfo.Descriptor.GrainClass.Name}) does not implement the interface with id {message.InterfaceId:x8}."));
        }
        else
        {
            var previousActivity = Activity.Current;
            if (ActorEdgeInstruments.ActivitySource.HasListeners())
            {
                // A request without a trace starts one: whatever span this thread carries is not its parent.
                Activity.Current = null;
                sink.Activity = ActorEdgeInstruments.ActivitySource.StartActivity(
                    _runtime.DescribeMethod(message.InterfaceId, message.MethodId), ActivityKind.Server, message.TraceParent);
                sink.Activity?.SetTag("actoredge.grain", GrainId.ToString());
            }
            try
            {
                pending = invoker.Invoke(_grain!, message.MethodId, message.PayloadSpan, sink);
            }
            catch (Exception e)
            {
                pending = sink.Fail(e);
            }
            // The activity flows into the grain method's awaits; this thread moves on to other work.
            Activity.Current = previousActivity;
        }
        // Arguments are decoded synchronously by the invoker: the payload can go back to the pool.
        message.ReleasePayload();

        if (pending.IsCompleted)
        {
            OnTurnCompleted(sink);
        }
        else
        {
            _ = AwaitTurnAsync(pending, sink);
        }
    }

    private async Task AwaitTurnAsync(ValueTask pending, ResponseSink sink)
    {
        try
        {
            await pending;
        }
        catch (Exception e)
        {
            LogErrorResponseFailed(_runtime.Logger, GrainId, e);
        }
        OnTurnCompleted(sink);
    }

    internal void RegisterCancelable(ResponseSink sink)
    {
        _cancelable ??= [];
        _cancelable[(sink.Request.SendingSilo, sink.Request.CorrelationId)] = sink;
    }

    private void OnTurnCompleted(ResponseSink sink)
    {
        if (sink.IsCancelable)
        {
            _cancelable?.Remove((sink.Request.SendingSilo, sink.Request.CorrelationId));
        }
        sink.RecordMetrics(ClassInfo.GrainType);
        sink.Activity?.Stop();
        _running--;
        _lastActiveTimestamp = _runtime.TimeProvider.GetTimestamp();
        if (State == ActivationState.Deactivating && _running == 0)
        {
            _ = FinishDeactivationAsync();
            return;
        }
        Pump();
    }

    private void StartTick(GrainTimer timer)
    {
        _running++;
        RequestContext.Import(null);
        Edge.CallOrigin.Set(null);
        Task tick;
        try
        {
            tick = timer.InvokeCallback(_lifetime.Token);
        }
        catch (Exception e)
        {
            tick = Task.FromException(e);
        }
        if (tick.IsCompleted)
        {
            OnTickCompleted(timer, tick);
        }
        else
        {
            _ = AwaitTickAsync(timer, tick);
        }
    }

    private async Task AwaitTickAsync(GrainTimer timer, Task tick)
    {
        try
        {
            await tick;
        }
        catch (Exception)
        {
            // Observed in OnTickCompleted.
        }
        OnTickCompleted(timer, tick);
    }

    private void OnTickCompleted(GrainTimer timer, Task tick)
    {
        if (tick.IsFaulted)
        {
            LogWarningTimerFailed(_runtime.Logger, GrainId, tick.Exception!.InnerException!);
        }
        if (timer.KeepAlive)
        {
            _lastActiveTimestamp = _runtime.TimeProvider.GetTimestamp();
        }
        _running--;
        timer.OnTickCompleted();
        if (State == ActivationState.Deactivating && _running == 0)
        {
            _ = FinishDeactivationAsync();
            return;
        }
        Pump();
    }

    private async Task ActivateAsync()
    {
        RequestContext.Import(null);
        Edge.CallOrigin.Set(null);
        GrainAddress winner;
        try
        {
            winner = await _runtime.Locator.RegisterAsync(Address).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            FailActivation(new GrainException($"Activation of {GrainId} failed: the grain directory is unavailable ({e.Message}).", e), unregister: false);
            return;
        }

        if (!winner.Equals(Address))
        {
            // Another silo won the registration race: this activation never existed.
            _forwardTo = winner.Silo;
            State = ActivationState.Invalid;
            _runtime.Catalog.Remove(this);
            while (_waiting.TryDequeue(out var item))
            {
                if (item is Message message)
                {
                    _runtime.Router.Forward(message, winner.Silo, "another activation is registered");
                }
            }
            _deactivated.TrySetResult();
            return;
        }

        await ConstructAndActivateAsync(null).ConfigureAwait(true);
    }

    /// <summary>Constructs the grain, restores or reads its state, runs OnActivateAsync and starts serving.</summary>
    private async Task ConstructAndActivateAsync(MigrationContext? rehydration)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_runtime.CollectionOptions.ActivationTimeout, _runtime.TimeProvider);
            _grain = GrainActivation.Construct(this, ClassInfo.Descriptor.Factory);
            foreach (var state in _states)
            {
                if (rehydration is not null)
                {
                    state.OnRehydrate(rehydration);
                }
                if (!state.Rehydrated)
                {
                    await state.ReadAsync(timeout.Token).ConfigureAwait(true);
                    // A node-local record may be on the silo where the grain last lived: bring it here
                    // (and, where versions compare, a newer one than a copy left behind here).
                    if (rehydration is null && state.StorageMigration is { TransfersRecord: true } storage && (!state.RecordExists || storage.ComparesRecordVersions)
                        && await _runtime.Migration.FetchStateAsync(GrainId, state.StorageName, state.StateName, storage, state.RecordExists, timeout.Token).ConfigureAwait(true))
                    {
                        await state.ReadAsync(timeout.Token).ConfigureAwait(true);
                    }
                }
            }
            if (rehydration is not null && _grain is IGrainMigrationParticipant participant)
            {
                participant.OnRehydrate(rehydration);
            }
            if (_grain is Grain grain)
            {
                await grain.OnActivateAsync(timeout.Token).ConfigureAwait(true);
            }
        }
        catch (Exception e)
        {
            FailActivation(e, unregister: true);
            return;
        }

        State = ActivationState.Valid;
        ActorEdgeInstruments.ActivationsCreated.Add(1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType));
        ActorEdgeInstruments.Activations.Add(1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType));
        LogDebugActivated(_runtime.Logger, GrainId);
        Pump();
    }

    private void FailActivation(Exception error, bool unregister)
    {
        _activationFailure = error;
        EndPendingMigration(MigrationOutcome.NotActive);
        LogWarningActivationFailed(_runtime.Logger, GrainId, error);
        ActorEdgeInstruments.ActivationsFailed.Add(1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType));
        State = ActivationState.Invalid;
        _runtime.Catalog.Remove(this);
        while (_waiting.TryDequeue(out var item))
        {
            if (item is Message message)
            {
                _runtime.Router.RespondWithError(message, error);
            }
        }
        if (unregister)
        {
            _ = _runtime.Locator.UnregisterAsync(Address);
        }
        _deactivated.TrySetResult();
    }

    private void BeginDeactivation(DeactivationReason reason)
    {
        if (State is ActivationState.Activating or ActivationState.Rehydrating)
        {
            // Deactivate right after activation completes.
            _deactivateWhenIdle = true;
            _deactivationReason = reason;
            return;
        }
        if (State != ActivationState.Valid)
        {
            return;
        }
        _deactivationReason = reason;
        State = ActivationState.Deactivating;
        foreach (var timer in _timers.ToArray())
        {
            timer.Dispose();
        }
        if (_running == 0)
        {
            _ = FinishDeactivationAsync();
        }
    }

    private async Task FinishDeactivationAsync()
    {
        RequestContext.Import(null);
        Edge.CallOrigin.Set(null);
        try
        {
            if (_grain is Grain grain)
            {
                using var timeout = new CancellationTokenSource(_runtime.CollectionOptions.ActivationTimeout, _runtime.TimeProvider);
                await grain.OnDeactivateAsync(_deactivationReason, timeout.Token).ConfigureAwait(true);
            }
        }
        catch (Exception e)
        {
            LogWarningDeactivateFailed(_runtime.Logger, GrainId, e);
        }
        _lifetime.Cancel();
        await CompleteDeactivationAsync().ConfigureAwait(true);
    }

    /// <summary>Unregisters, leaves the catalog and reroutes what waited (after OnDeactivateAsync).</summary>
    private async Task CompleteDeactivationAsync()
    {
        EndPendingMigration(MigrationOutcome.NotActive);
        try
        {
            await _runtime.Locator.UnregisterAsync(Address).ConfigureAwait(true);
        }
        catch (Exception e)
        {
            LogWarningDeactivateFailed(_runtime.Logger, GrainId, e);
        }

        State = ActivationState.Invalid;
        _runtime.Catalog.Remove(this);
        ActorEdgeInstruments.Activations.Add(-1, new KeyValuePair<string, object?>("grain.type", ClassInfo.GrainType));
        LogDebugDeactivated(_runtime.Logger, GrainId, _deactivationReason);
        while (_waiting.TryDequeue(out var item))
        {
            if (item is Message message)
            {
                _runtime.Router.Reroute(message, "the activation was deactivated");
            }
        }
        _deactivated.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activated {GrainId}")]
    private static partial void LogDebugActivated(ILogger logger, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deactivated {GrainId}: {Reason}")]
    private static partial void LogDebugDeactivated(ILogger logger, GrainId grainId, DeactivationReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activation of {GrainId} failed")]
    private static partial void LogWarningActivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deactivation of {GrainId} failed")]
    private static partial void LogWarningDeactivateFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A timer of {GrainId} failed")]
    private static partial void LogWarningTimerFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending the response of a request to {GrainId} failed")]
    private static partial void LogErrorResponseFailed(ILogger logger, GrainId grainId, Exception exception);
}
