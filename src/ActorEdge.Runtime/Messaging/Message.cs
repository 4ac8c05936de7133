using ActorEdge.Invocation;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

internal enum MessageKind : byte
{
    /// <summary>A grain call.</summary>
    Request = 1,
    /// <summary>The answer to a <see cref="Request"/> or <see cref="SystemRequest"/>.</summary>
    Response = 2,
    /// <summary>A call to a silo service (membership, directory) addressed by <see cref="Message.SystemTarget"/>.</summary>
    SystemRequest = 3,
    /// <summary>Cancels the request with the same correlation id sent by the same sender.</summary>
    Cancel = 4,
    /// <summary>Tells a silo that its directory cache entry for <see cref="Message.TargetGrain"/> was wrong.</summary>
    CacheInvalidation = 5,
}

internal enum ResponseStatus : byte
{
    Ok = 0,
    /// <summary>The callee threw; the payload is the encoded exception.</summary>
    Exception = 1,
    /// <summary>The runtime refused the request (unknown grain type, silo stopping...); the payload is the encoded exception.</summary>
    Rejected = 2,
}

[Flags]
internal enum MessageFlags : byte
{
    None = 0,
    OneWay = 1,
    AlwaysInterleave = 2,
    /// <summary>The request was sent to a silo because of a directory cache entry, which may be stale.</summary>
    FromCache = 4,
    /// <summary>
    /// The request waited for a migration of its grain (queued at the source and forwarded, or
    /// queued at the target before activation); its response carries the flag back, so the
    /// caller measures the disruption it saw.
    /// </summary>
    HeldByMigration = 8,
    /// <summary>
    /// The request followed a hand-over to its target before the target answered (see
    /// ActivationData.FollowHandOver). Until the target registers, the source owns it: a target
    /// that refuses drops it, and the source sends it again; the target clears the flag once it serves.
    /// </summary>
    FollowedHandOver = 16,
}

/// <summary>
/// One message between silos or between a client and its gateway. Requests and responses share
/// the shape; the payload holds the encoded arguments, result or exception.
/// </summary>
/// <remarks>A message is also the <see cref="OutgoingRequest"/> a generated proxy fills, so a call allocates one object.</remarks>
internal sealed class Message : OutgoingRequest
{
    public MessageKind Kind;
    public MessageFlags Flags;
    public ResponseStatus Status;
    public long CorrelationId;
    public GrainId TargetGrain;
    public uint InterfaceId;
    public uint MethodId;
    /// <summary>For <see cref="MessageKind.SystemRequest"/>: which silo service.</summary>
    public uint SystemTarget;
    /// <summary>Remaining time to live in milliseconds when sent; 0 = none.</summary>
    public int TimeToLiveMs;
    public byte ForwardCount;
    public SiloAddress? SendingSilo;
    public SiloAddress? TargetSilo;
    /// <summary>The edge node where the call entered the cluster.</summary>
    public string? OriginNode;
    /// <summary>
    /// On the response to a request that waited for a migration: how long the grain method ran, in
    /// microseconds, so the caller can tell what the migration added to the call from what the call costs anyway.
    /// </summary>
    public long ServiceMicroseconds;
    public string? TraceParent;
    public Dictionary<string, object>? RequestContext;
    public PooledBuffer? Payload;

    /// <summary>Set once the message has been written to a socket: before that, it certainly has not arrived.</summary>
    public volatile bool Written;

    /// <summary>When the message expires, on the receiver's clock (not sent: derived from <see cref="TimeToLiveMs"/>).</summary>
    public long ExpiresAtTimestamp;

    public override System.Buffers.IBufferWriter<byte> Arguments => Payload ??= new PooledBuffer();

    public bool IsOneWay => (Flags & MessageFlags.OneWay) != 0;

    public ReadOnlySpan<byte> PayloadSpan => Payload is { } payload ? payload.WrittenSpan : default;

    public static MessageFlags ToFlags(InvokeMethodOptions options)
    {
        var flags = MessageFlags.None;
        if ((options & InvokeMethodOptions.OneWay) != 0)
        {
            flags |= MessageFlags.OneWay;
        }
        if ((options & InvokeMethodOptions.AlwaysInterleave) != 0)
        {
            flags |= MessageFlags.AlwaysInterleave;
        }
        return flags;
    }

    public Message CreateResponse(ResponseStatus status, PooledBuffer? payload) => new()
    {
        Kind = MessageKind.Response,
        Flags = Flags & MessageFlags.HeldByMigration,
        Status = status,
        CorrelationId = CorrelationId,
        // No TargetGrain: a response is matched by correlation id alone, and leaving the grain id
        // out spares two strings on the wire and two allocations at the receiver.
        TargetSilo = SendingSilo,
        Payload = payload,
    };

    // Holders of the payload besides the one that sends it (0: the sender alone); see HoldPayload.
    private int _payloadHolds;

    /// <summary>
    /// Keeps the payload alive past the send: the write loop's release then leaves it, and the
    /// holder releases it (or sends the message again) when done. Released by the last of them.
    /// </summary>
    public void HoldPayload() => Interlocked.Increment(ref _payloadHolds);

    public void ReleasePayload()
    {
        if (Volatile.Read(ref _payloadHolds) > 0 && Interlocked.Decrement(ref _payloadHolds) >= 0)
        {
            return;
        }
        Interlocked.Exchange(ref Payload, null)?.Dispose();
    }

    public override string ToString() =>
        Kind == MessageKind.Response
            ? $"Response #{CorrelationId} {Status} to {TargetSilo}"
            : $"{Kind} #{CorrelationId} {TargetGrain} {InterfaceId:x8}.{MethodId:x8} from {SendingSilo} to {TargetSilo}";
}
