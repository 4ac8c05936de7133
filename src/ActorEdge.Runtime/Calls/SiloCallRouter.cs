using System.Collections.Concurrent;
using ActorEdge.Hosting;
using ActorEdge.Placement;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Calls;

/// <summary>
/// The silo's side of grain calls: addresses requests (directory cache, directory, then
/// placement), forwards and reroutes requests that reach the wrong silo or a departed
/// activation, relays the requests of connected clients, and sends responses.
/// </summary>
internal sealed partial class SiloCallRouter(SiloRuntime runtime, MessagingOptions options, TimeProvider timeProvider)
    : GrainCallRuntime(options, timeProvider)
{
    // Relayed client calls still pending: (client connection, client's correlation id) → this silo's correlation id.
    private readonly ConcurrentDictionary<(Connection, long), long> _relays = new();

    protected override SiloAddress? LocalSilo => runtime.Local.Address;

    protected override string ResolveGrainType(Type interfaceType) => runtime.Manifest.ResolveGrainType(interfaceType);

    protected override void SendRequest(Message request, ResponseCallback? callback)
    {
        if (callback is null && request.Kind == MessageKind.Request && runtime.Local.IsLocal(request.SendingSilo))
        {
            // A rerouted request of ours: keep tracking its new target, so that silo's death fails the call.
            callback = FindPending(request.CorrelationId);
        }
        if (request.Kind == MessageKind.SystemRequest)
        {
            TrackTarget(callback, request.TargetSilo!);
            runtime.MessageCenter.Send(request);
            return;
        }
        if (runtime.Locator.TryLookupCached(request.TargetGrain, out var cached))
        {
            request.TargetSilo = cached!.Silo;
            request.Flags |= MessageFlags.FromCache;
            Track(request, callback, cached.Silo);
            runtime.MessageCenter.Send(request);
            return;
        }
        _ = AddressAndSendAsync(request, callback);
    }

    protected override void SendCancellation(Message cancellation, SiloAddress? target)
    {
        if (target is not null)
        {
            cancellation.TargetSilo = target;
            runtime.MessageCenter.Send(cancellation);
        }
    }

    /// <summary>Sends a response to the silo that sent the request (possibly this one).</summary>
    public void SendResponse(Message response)
    {
        if (response.TargetSilo is null || runtime.Local.IsLocal(response.TargetSilo))
        {
            ReceiveResponse(response);
            return;
        }
        runtime.MessageCenter.Send(response);
    }

    /// <summary>Answers <paramref name="request"/> with <paramref name="exception"/>; <paramref name="serviceMicroseconds"/>: see <see cref="Message.ServiceMicroseconds"/>.</summary>
    public void RespondWithError(Message request, Exception exception, long serviceMicroseconds = 0)
    {
        if (request.IsOneWay)
        {
            LogDebugOneWayFailed(runtime.Logger, request.TargetGrain, exception.Message);
            request.ReleasePayload();
            return;
        }
        request.ReleasePayload();
        var response = request.CreateResponse(ResponseStatus.Exception, ExceptionCodec.Encode(exception));
        response.ServiceMicroseconds = serviceMicroseconds;
        SendResponse(response);
    }

    /// <summary>
    /// Sends again a request whose activation went away before running it: it is addressed
    /// from scratch (a new activation may be placed). It has not run, so this cannot execute it twice.
    /// Uncounted (<paramref name="counted"/> false) only where the hop cannot repeat without a new
    /// migration, so it cannot loop.
    /// </summary>
    public void Reroute(Message request, string reason, bool counted = true)
    {
        if (counted && !TryCountForward(request, reason))
        {
            return;
        }
        if (runtime.Local.IsLocal(request.SendingSilo))
        {
            // Our own call: the silo it was headed to no longer decides its fate.
            Retarget(request, null);
        }
        runtime.Locator.Invalidate(request.TargetGrain);
        request.TargetSilo = null;
        request.Flags &= ~MessageFlags.FromCache;
        SendRequest(request, null);
    }

    /// <summary>Sends a request on to the silo that hosts its grain, and corrects the sender's cache.</summary>
    public void Forward(Message request, SiloAddress target, string reason)
    {
        if (!TryCountForward(request, reason))
        {
            return;
        }
        NotifySender(request, target);
        request.TargetSilo = target;
        runtime.MessageCenter.Send(request);
    }

    /// <summary>
    /// Sends a request that waited at a migrating activation to its new silo. It is not counted
    /// against <see cref="MessagingOptions.MaxForwardCount"/>: the target registered before the
    /// hand-over completed, so this hop cannot loop unless the grain keeps moving.
    /// </summary>
    public void ForwardMigrated(Message request, SiloAddress target)
    {
        ActorEdgeInstruments.MessagesForwarded.Add(1);
        request.Flags |= MessageFlags.HeldByMigration;
        NotifySender(request, target);
        request.TargetSilo = target;
        runtime.MessageCenter.Send(request);
    }

    /// <summary>
    /// Sends a request behind the hand-over queued on <paramref name="connection"/>, before the target
    /// answered it; false, with the request unchanged, when that connection has closed. The source
    /// keeps the request (its payload is held) until the hand-over's outcome is known, then calls
    /// <see cref="SettleFollowed"/>; the caller is not told yet, so its call still depends on the source.
    /// </summary>
    public bool TryFollowHandOver(Message request, SiloAddress target, Connection connection)
    {
        var (flags, silo) = (request.Flags, request.TargetSilo);
        request.Flags |= MessageFlags.HeldByMigration | MessageFlags.FollowedHandOver;
        request.TargetSilo = target;
        request.HoldPayload();
        if (!connection.Send(request))
        {
            request.ReleasePayload();
            (request.Flags, request.TargetSilo) = (flags, silo);
            return false;
        }
        ActorEdgeInstruments.MessagesForwarded.Add(1);
        ActorEdgeInstruments.MessagesSent.Add(1);
        return true;
    }

    /// <summary>
    /// The target of the hand-over a request followed registered: the caller is told where its call
    /// runs now. A request the connection closed on before writing it is sent to the target again.
    /// </summary>
    public void SettleFollowed(Message request, SiloAddress target, bool connectionClosed)
    {
        request.Flags &= ~MessageFlags.FollowedHandOver;
        if (connectionClosed && !request.Written)
        {
            // The write loop is done with it (it released its hold): the source's hold goes with the send.
            ForwardMigrated(request, target);
            return;
        }
        NotifySender(request, target);
        request.ReleasePayload();
    }

    /// <summary>
    /// Tells the caller where its forwarded request went: its directory cache is corrected, and its
    /// pending call now depends on <paramref name="target"/>, not on this silo (whose death must not
    /// fail a call that runs elsewhere).
    /// </summary>
    private void NotifySender(Message request, SiloAddress target)
    {
        if (runtime.Local.IsLocal(request.SendingSilo))
        {
            Retarget(request, target);
            return;
        }
        if (request.SendingSilo is not { } sender)
        {
            return;
        }
        PooledBuffer? payload = null;
        if (!request.IsOneWay)
        {
            payload = new PooledBuffer(32);
            var writer = new Writer(payload);
            MessageSerializer.WriteSilo(ref writer, 1, target);
            writer.Commit();
        }
        runtime.MessageCenter.Send(new Message
        {
            Kind = MessageKind.CacheInvalidation,
            TargetGrain = request.TargetGrain,
            CorrelationId = request.IsOneWay ? 0 : request.CorrelationId,
            SendingSilo = runtime.Local.Address,
            TargetSilo = sender,
            Payload = payload,
        });
    }

    /// <summary>Handles a forwarding notice: drops the stale cache entry and moves the pending call to where its request went.</summary>
    public void OnForwarded(Message notice)
    {
        runtime.Locator.Invalidate(notice.TargetGrain);
        if (notice.CorrelationId != 0 && notice.Payload is not null)
        {
            try
            {
                var reader = new Reader(notice.PayloadSpan);
                while (reader.TryReadFieldHeader(out var field, out var wireType))
                {
                    if (field == 1)
                    {
                        Retarget(notice.CorrelationId, MessageSerializer.ReadSilo(ref reader, wireType));
                    }
                    else
                    {
                        reader.SkipField(wireType);
                    }
                }
            }
            catch (SerializationException e)
            {
                LogDebugDropped(runtime.Logger, notice.Kind, notice.SendingSilo!, e.Message);
            }
        }
        notice.ReleasePayload();
    }

    /// <summary>Called when a request could not be delivered to <paramref name="target"/> at all (connecting failed).</summary>
    public void OnUndeliverable(Message message, SiloAddress target, Exception error)
    {
        switch (message.Kind)
        {
            case MessageKind.Request when (message.Flags & MessageFlags.FollowedHandOver) != 0:
                // It followed a hand-over: the migrating activation holds it and decides where it goes.
                message.ReleasePayload();
                break;
            case MessageKind.Request:
                // Never delivered, so never executed: safe to address again once the view is updated.
                Reroute(message, $"silo {target} is unreachable ({error.Message})");
                break;
            case MessageKind.SystemRequest:
                FailCall(message.CorrelationId, new SiloUnavailableException($"Silo {target} is unreachable: {error.Message}", error));
                break;
            default:
                LogDebugDropped(runtime.Logger, message.Kind, target, error.Message);
                message.ReleasePayload();
                break;
        }
    }

    /// <summary>Relays a client's request: this silo calls on the client's behalf and returns the response on its connection.</summary>
    public void RelayFromClient(Connection client, Message request)
    {
        request.OriginNode ??= runtime.Local.NodeName;
        request.SendingSilo = runtime.Local.Address;
        request.ForwardCount = 0;
        request.TargetSilo = null;
        request.Flags &= ~MessageFlags.FromCache;
        if (request.IsOneWay)
        {
            SendRequest(request, null);
            return;
        }
        var clientCorrelationId = request.CorrelationId;
        var callback = new RelayCallback(this, client, clientCorrelationId);
        request.Timeout = request.TimeToLiveMs > 0 ? TimeSpan.FromMilliseconds(request.TimeToLiveMs) : null;
        RegisterRelay(request, callback);
        _relays[(client, clientCorrelationId)] = request.CorrelationId;
        SendRequest(request, callback);
    }

    /// <summary>
    /// A client canceled a call this silo relays: cancel the relayed call, so the callee's token
    /// is canceled too (the client knows only its own correlation id).
    /// </summary>
    public void CancelRelay(Connection client, long clientCorrelationId)
    {
        if (_relays.TryRemove((client, clientCorrelationId), out var correlationId))
        {
            CancelPending(correlationId);
        }
    }

    private async Task AddressAndSendAsync(Message request, ResponseCallback? callback)
    {
        try
        {
            var address = await runtime.Locator.LookupAsync(request.TargetGrain).ConfigureAwait(false);
            var target = address?.Silo ?? Place(request);
            request.TargetSilo = target;
            Track(request, callback, target);
            runtime.MessageCenter.Send(request);
        }
        catch (Exception e)
        {
            if (callback is not null)
            {
                FailCall(request.CorrelationId, e);
            }
            else
            {
                RespondWithError(request, e);
            }
        }
    }

    private void Track(Message request, ResponseCallback? callback, SiloAddress target)
    {
        if (callback is not null)
        {
            TrackTarget(callback, target);
        }
        else
        {
            // A request sent again (rerouted): its caller's pending call now depends on the new target.
            NotifySender(request, target);
        }
    }

    private SiloAddress Place(Message request)
    {
        var strategy = runtime.Manifest.TryGetClass(request.TargetGrain.Type, out var info) ? info!.Placement : RandomPlacement.Instance;
        return runtime.Placement.Place(request.TargetGrain, strategy, request.RequestContext, request.OriginNode);
    }

    private bool TryCountForward(Message request, string reason)
    {
        ActorEdgeInstruments.MessagesForwarded.Add(1);
        if (++request.ForwardCount > Options.MaxForwardCount)
        {
            RespondWithError(request, new GrainException($"The request to {request.TargetGrain} was forwarded {Options.MaxForwardCount} times without reaching its activation (last reason: {reason})."));
            return false;
        }
        LogDebugForwarding(runtime.Logger, request.TargetGrain, reason);
        return true;
    }

    /// <summary>Returns a relayed response (or failure) to the client on its connection.</summary>
    private sealed class RelayCallback(SiloCallRouter router, Connection client, long clientCorrelationId) : ResponseCallback
    {
        public override bool IsRelay => true;

        public override void OnResponse(Message response)
        {
            router._relays.TryRemove((client, clientCorrelationId), out _);
            client.Send(new Message
            {
                Kind = MessageKind.Response,
                Flags = response.Flags & MessageFlags.HeldByMigration,
                Status = response.Status,
                CorrelationId = clientCorrelationId,
                ServiceMicroseconds = response.ServiceMicroseconds,
                Payload = response.Payload,
            });
            // The payload now belongs to the relayed message.
            response.Payload = null;
        }

        public override void OnFailure(Exception exception)
        {
            router._relays.TryRemove((client, clientCorrelationId), out _);
            client.Send(new Message
            {
                Kind = MessageKind.Response,
                Status = ResponseStatus.Exception,
                CorrelationId = clientCorrelationId,
                Payload = ExceptionCodec.Encode(exception),
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarding a request to {GrainId}: {Reason}")]
    private static partial void LogDebugForwarding(ILogger logger, GrainId grainId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A one-way call to {GrainId} failed: {Reason}")]
    private static partial void LogDebugOneWayFailed(ILogger logger, GrainId grainId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a {Kind} message to unreachable silo {Silo}: {Reason}")]
    private static partial void LogDebugDropped(ILogger logger, MessageKind kind, SiloAddress silo, string reason);
}
