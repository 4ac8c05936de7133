using System.Globalization;

namespace ActorEdge.Etcd;

/// <summary>An etcd call failed. Subclasses name the causes callers act on.</summary>
public class EtcdException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EtcdException(string message, GrpcStatusCode status = GrpcStatusCode.Unknown, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
    }

    /// <summary>The gRPC status of the failed call.</summary>
    public GrpcStatusCode Status { get; }
}

/// <summary>
/// No member could serve the call in time (no leader, members down, deadline exceeded). When
/// <see cref="MayHaveBeenApplied"/> is true, a write may have taken effect even though it failed.
/// </summary>
public sealed class EtcdUnavailableException(string message, bool mayHaveBeenApplied, GrpcStatusCode status = GrpcStatusCode.Unavailable, Exception? innerException = null)
    : EtcdException(message, status, innerException)
{
    /// <summary>Whether a write may have been applied (its outcome is unknown); false when it certainly was not.</summary>
    public bool MayHaveBeenApplied { get; } = mayHaveBeenApplied;
}

/// <summary>The requested revision was compacted away: history before <see cref="CompactRevision"/> is gone.</summary>
public sealed class EtcdCompactedException(long compactRevision, long requestedRevision, Exception? innerException = null)
    : EtcdException(
        string.Create(CultureInfo.InvariantCulture, $"etcd compacted its history up to revision {compactRevision}; revision {requestedRevision} is no longer available (watch again from the current state)."),
        GrpcStatusCode.OutOfRange,
        innerException)
{
    /// <summary>The oldest revision still available (0 if the server did not say).</summary>
    public long CompactRevision { get; } = compactRevision;

    /// <summary>The revision that was asked for.</summary>
    public long RequestedRevision { get; } = requestedRevision;
}

/// <summary>
/// etcd refuses writes because its database reached the space quota (the NOSPACE alarm is
/// raised). Compact the history, defragment, then disarm the alarm.
/// </summary>
public sealed class EtcdNoSpaceException(string detail, Exception? innerException = null)
    : EtcdException(
        $"etcd refused the write: its database exceeded the space quota (NOSPACE alarm; server said \"{detail}\"). Compact the history, defragment the members, then disarm the alarm (etcdctl alarm disarm).",
        GrpcStatusCode.ResourceExhausted,
        innerException);

/// <summary>A request exceeds the server's request size limit (etcd's <c>--max-request-bytes</c>).</summary>
public sealed class EtcdRequestTooLargeException(int requestBytes, int limitBytes, Exception? innerException = null)
    : EtcdException(
        requestBytes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"The etcd request of {requestBytes} bytes exceeds the server's request size limit of {limitBytes} bytes (--max-request-bytes).")
            : string.Create(CultureInfo.InvariantCulture, $"etcd refused the request: it exceeds the server's request size limit (--max-request-bytes; the client assumes {limitBytes} bytes)."),
        GrpcStatusCode.InvalidArgument,
        innerException)
{
    /// <summary>The size of the request, or 0 when only the server measured it.</summary>
    public int RequestBytes { get; } = requestBytes;

    /// <summary>The limit.</summary>
    public int LimitBytes { get; } = limitBytes;
}

/// <summary>The lease does not exist (expired or revoked).</summary>
public sealed class EtcdLeaseNotFoundException(long leaseId, Exception? innerException = null)
    : EtcdException(string.Create(CultureInfo.InvariantCulture, $"etcd lease {leaseId:x} does not exist: it expired or was revoked."), GrpcStatusCode.NotFound, innerException)
{
    /// <summary>The lease.</summary>
    public long LeaseId { get; } = leaseId;
}

/// <summary>Authentication failed, the token is invalid, or the user lacks permission.</summary>
public sealed class EtcdAuthenticationException(string message, GrpcStatusCode status, Exception? innerException = null)
    : EtcdException(message, status, innerException);
