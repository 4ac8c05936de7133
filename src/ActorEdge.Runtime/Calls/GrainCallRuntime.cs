using System.Collections.Concurrent;
using System.Diagnostics;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Calls;

/// <summary>
/// The caller side of grain calls, shared by silos and clients: creates grain references,
/// turns proxy calls into request messages, matches responses to pending calls by
/// correlation id, and fails calls that time out, are canceled, or whose silo died.
/// Subclasses decide where a request goes.
/// </summary>
internal abstract class GrainCallRuntime : IGrainCallRuntime, IGrainFactory, IDisposable
{
    private readonly ConcurrentDictionary<long, ResponseCallback> _pending = new();
    private readonly ITimer _sweepTimer;
    private long _nextCorrelationId;

    protected GrainCallRuntime(MessagingOptions options, TimeProvider timeProvider)
    {
        Options = options;
        TimeProvider = timeProvider;
        // Deadlines are checked by one periodic sweep instead of a timer per call.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.ResponseTimeout.TotalMilliseconds / 20, 10, 200));
        _sweepTimer = timeProvider.CreateTimer(static state => ((GrainCallRuntime)state!).SweepExpired(), this, period, period);
    }

    protected MessagingOptions Options { get; }

    protected TimeProvider TimeProvider { get; }

    /// <summary>This silo, or null in a client.</summary>
    protected abstract SiloAddress? LocalSilo { get; }

    /// <summary>The number of calls awaiting a response.</summary>
    public int PendingCallCount => _pending.Count;

    /// <summary>The grain type implementing <paramref name="interfaceType"/>.</summary>
    protected abstract string ResolveGrainType(Type interfaceType);

    /// <summary>Addresses and sends a request. On failure, fails <paramref name="callback"/> (when not one-way).</summary>
    protected abstract void SendRequest(Message request, ResponseCallback? callback);

    /// <summary>Sends a cancellation for a request previously sent to <paramref name="target"/>.</summary>
    protected abstract void SendCancellation(Message cancellation, SiloAddress? target);

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey) where TGrainInterface : IGrainWithStringKey =>
        GetGrain<TGrainInterface>(new GrainId(ResolveGrainType(typeof(TGrainInterface)), primaryKey));

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey) where TGrainInterface : IGrainWithGuidKey =>
        GetGrain<TGrainInterface>(GrainId.Create(ResolveGrainType(typeof(TGrainInterface)), primaryKey));

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey) where TGrainInterface : IGrainWithIntegerKey =>
        GetGrain<TGrainInterface>(GrainId.Create(ResolveGrainType(typeof(TGrainInterface)), primaryKey));

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain
    {
        if (!GrainCodeRegistry.TryGetInterface(typeof(TGrainInterface), out var descriptor))
        {
            throw new GrainTypeNotFoundException(
                $"{typeof(TGrainInterface)} has no generated proxy: is it a grain interface declared in a project that references ActorEdge.Abstractions?");
        }
        return (TGrainInterface)(object)descriptor.ProxyFactory(this, grainId);
    }

    public OutgoingRequest CreateRequest(GrainReference target, uint interfaceId, uint methodId, InvokeMethodOptions options) => new Message
    {
        Kind = MessageKind.Request,
        Flags = Message.ToFlags(options),
        TargetGrain = target.GrainId,
        InterfaceId = interfaceId,
        MethodId = methodId,
    };

    public Task InvokeAsync(OutgoingRequest request) => Invoke<bool>((Message)request, null);

    public Task<TResult> InvokeAsync<TResult>(OutgoingRequest request, IFieldCodec<TResult> resultCodec) =>
        Invoke((Message)request, resultCodec);

    public void InvokeOneWay(OutgoingRequest request)
    {
        var message = (Message)request;
        Prepare(message);
        ActorEdgeInstruments.CallsSent.Add(1);
        SendRequest(message, null);
    }

    /// <summary>Calls a silo service (membership, directory) and returns its response; the caller releases the payload.</summary>
    public Task<Message> SystemCallAsync(SiloAddress target, uint systemTarget, uint method, PooledBuffer? payload, TimeSpan? timeout = null)
    {
        var message = new Message
        {
            Kind = MessageKind.SystemRequest,
            SendingSilo = LocalSilo,
            SystemTarget = systemTarget,
            MethodId = method,
            TargetSilo = target,
            Payload = payload,
            Timeout = timeout,
            TraceParent = Activity.Current?.Id,
        };
        var callback = new RawResponseCallback();
        Register(message, callback);
        SendRequest(message, callback);
        return callback.Task;
    }

    /// <summary>Completes the pending call a response answers; responses to unknown (timed out) calls are dropped.</summary>
    public void ReceiveResponse(Message response)
    {
        if (_pending.TryRemove(response.CorrelationId, out var callback))
        {
            if ((response.Flags & MessageFlags.HeldByMigration) != 0 && !callback.IsRelay)
            {
                RecordDisruption(callback, response.ServiceMicroseconds);
            }
            callback.OnResponse(response);
        }
        response.ReleasePayload();
    }

    /// <summary>
    /// A call that waited for a migration: its whole latency is the disruption this caller saw, and
    /// that less the time the grain method ran (which the call costs anyway) is what the migration added.
    /// </summary>
    private void RecordDisruption(ResponseCallback callback, long serviceMicroseconds)
    {
        var sent = callback.DeadlineTimestamp - (long)(callback.Timeout.TotalSeconds * TimeProvider.TimestampFrequency);
        var latency = TimeProvider.GetElapsedTime(sent).TotalMilliseconds;
        var type = new KeyValuePair<string, object?>("grain.type", callback.TargetGrain.Type);
        ActorEdgeInstruments.MigrationDisruption.Record(latency, type);
        if (serviceMicroseconds > 0)
        {
            ActorEdgeInstruments.MigrationDelay.Record(Math.Max(0, latency - serviceMicroseconds / 1000.0), type);
        }
    }

    /// <summary>Fails a pending call (for example when its request could not be sent).</summary>
    public void FailCall(long correlationId, Exception exception)
    {
        if (_pending.TryRemove(correlationId, out var callback))
        {
            callback.OnFailure(exception);
        }
    }

    /// <summary>Fails every call pending at <paramref name="silo"/>: it died, so no response will come.</summary>
    public void FailCallsTo(SiloAddress silo, string reason)
    {
        foreach (var (id, callback) in _pending)
        {
            // A request never written to the socket cannot have run: the connection hands it back
            // (OnUndelivered) or its send fails, and it is addressed again instead of failed here.
            if (silo.Equals(callback.TargetSilo) && callback.Request is not { Written: false } && _pending.TryRemove(id, out _))
            {
                callback.OnFailure(new SiloUnavailableException($"Silo {silo} hosting {callback.TargetGrain} is unavailable: {reason}."));
            }
        }
    }

    /// <summary>Registers a call made on behalf of someone else (a client's relayed request) under a new correlation id.</summary>
    protected void RegisterRelay(Message message, ResponseCallback callback)
    {
        message.CancellationToken = default;
        Register(message, callback);
    }

    /// <summary>Cancels a pending call as if its caller's token had been canceled (a client canceled the call this silo relays).</summary>
    protected void CancelPending(long correlationId)
    {
        if (_pending.TryGetValue(correlationId, out var callback))
        {
            Cancel(callback, new CancellationToken(canceled: true));
        }
    }

    /// <summary>
    /// Forgets that a pending call's request went to <paramref name="target"/>: it was never
    /// delivered there and will be addressed again, so that silo's death must not fail the call.
    /// </summary>
    public void DetachTarget(long correlationId, SiloAddress target)
    {
        if (_pending.TryGetValue(correlationId, out var callback) && target.Equals(callback.TargetSilo))
        {
            callback.TargetSilo = null;
        }
    }

    /// <summary>The pending call a request of this runtime belongs to, if it is still pending.</summary>
    protected ResponseCallback? FindPending(long correlationId) => _pending.TryGetValue(correlationId, out var callback) ? callback : null;

    /// <summary>Records where a pending call's request went, so that silo's death fails it.</summary>
    protected static void TrackTarget(ResponseCallback? callback, SiloAddress target)
    {
        if (callback is not null)
        {
            callback.TargetSilo = target;
        }
    }

    /// <summary>
    /// Records where a request of this process's own pending call now goes (null: nowhere yet),
    /// when it is sent again after its first target was lost, so that target's death does not fail it.
    /// </summary>
    protected void Retarget(Message request, SiloAddress? target)
    {
        if (!request.IsOneWay)
        {
            Retarget(request.CorrelationId, target);
        }
    }

    /// <summary>Records that the request of pending call <paramref name="correlationId"/> now runs (or goes) at <paramref name="target"/>.</summary>
    protected void Retarget(long correlationId, SiloAddress? target)
    {
        if (_pending.TryGetValue(correlationId, out var callback))
        {
            callback.TargetSilo = target;
        }
    }

    public virtual void Dispose()
    {
        _sweepTimer.Dispose();
        foreach (var (id, callback) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                callback.OnFailure(new ObjectDisposedException("The grain call runtime has stopped."));
            }
        }
    }

    private Task<T> Invoke<T>(Message message, IFieldCodec<T>? codec)
    {
        Prepare(message);
        var callback = new ResponseCallback<T>(codec);
        Register(message, callback);
        ActorEdgeInstruments.CallsSent.Add(1);
        SendRequest(message, callback);
        return callback.Task;
    }

    private void Prepare(Message message)
    {
        message.SendingSilo = LocalSilo;
        message.RequestContext = RequestContext.Export();
        // A call made inside a turn comes from where the request being served came from.
        message.OriginNode ??= Edge.CallOrigin.Current;
        message.TraceParent = Activity.Current?.Id;
        var timeout = message.Timeout ?? Options.ResponseTimeout;
        message.TimeToLiveMs = (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
    }

    private void Register(Message message, ResponseCallback callback)
    {
        var id = Interlocked.Increment(ref _nextCorrelationId);
        message.CorrelationId = id;
        var timeout = message.Timeout ?? Options.ResponseTimeout;
        callback.CorrelationId = id;
        callback.Request = message;
        callback.TargetGrain = message.TargetGrain;
        callback.InterfaceId = message.InterfaceId;
        callback.MethodId = message.MethodId;
        callback.Timeout = timeout;
        callback.DeadlineTimestamp = TimeProvider.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.TimestampFrequency);
        _pending[id] = callback;

        var token = message.CancellationToken;
        if (token.CanBeCanceled)
        {
            callback.CancellationRegistration = token.UnsafeRegister(static (state, ct) =>
            {
                var (runtime, cb) = ((GrainCallRuntime, ResponseCallback))state!;
                runtime.Cancel(cb, ct);
            }, (this, callback));
        }
    }

    private void Cancel(ResponseCallback callback, CancellationToken token)
    {
        if (!_pending.TryRemove(callback.CorrelationId, out _))
        {
            return;
        }
        callback.OnCanceled(token);
        SendCancellation(new Message { Kind = MessageKind.Cancel, CorrelationId = callback.CorrelationId, TargetGrain = callback.TargetGrain, SendingSilo = LocalSilo, TargetSilo = callback.TargetSilo }, callback.TargetSilo);
    }

    private void SweepExpired()
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        var now = TimeProvider.GetTimestamp();
        foreach (var (id, callback) in _pending)
        {
            if (callback.DeadlineTimestamp <= now && _pending.TryRemove(id, out _))
            {
                ActorEdgeInstruments.CallTimeouts.Add(1);
                callback.OnFailure(new TimeoutException(
                    $"The call to {MethodNames.Describe(callback.InterfaceId, callback.MethodId)} on {callback.TargetGrain} got no response within its timeout of {callback.Timeout}."));
                SendCancellation(new Message { Kind = MessageKind.Cancel, CorrelationId = id, TargetGrain = callback.TargetGrain, SendingSilo = LocalSilo, TargetSilo = callback.TargetSilo }, callback.TargetSilo);
            }
        }
    }
}
