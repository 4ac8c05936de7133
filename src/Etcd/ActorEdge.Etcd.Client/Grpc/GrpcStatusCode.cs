namespace ActorEdge.Etcd;

/// <summary>The status codes of gRPC, as carried by the <c>grpc-status</c> trailer.</summary>
public enum GrpcStatusCode
{
    /// <summary>Success.</summary>
    OK = 0,
    /// <summary>The call was cancelled, usually by the caller.</summary>
    Cancelled = 1,
    /// <summary>An unknown error.</summary>
    Unknown = 2,
    /// <summary>The request is invalid (etcd: request too large, authentication failed, bad txn).</summary>
    InvalidArgument = 3,
    /// <summary>The deadline expired before the call completed; the call may have taken effect.</summary>
    DeadlineExceeded = 4,
    /// <summary>Not found (etcd: lease not found).</summary>
    NotFound = 5,
    /// <summary>Already exists.</summary>
    AlreadyExists = 6,
    /// <summary>Permission denied.</summary>
    PermissionDenied = 7,
    /// <summary>A resource is exhausted (etcd: the database space quota).</summary>
    ResourceExhausted = 8,
    /// <summary>The system is not in a state required for the call.</summary>
    FailedPrecondition = 9,
    /// <summary>Aborted.</summary>
    Aborted = 10,
    /// <summary>Out of range (etcd: a compacted or future revision).</summary>
    OutOfRange = 11,
    /// <summary>Not implemented.</summary>
    Unimplemented = 12,
    /// <summary>An internal error.</summary>
    Internal = 13,
    /// <summary>The service is unavailable (etcd: no leader, stopped, timed out, connection lost).</summary>
    Unavailable = 14,
    /// <summary>Unrecoverable data loss.</summary>
    DataLoss = 15,
    /// <summary>The caller is not authenticated (etcd: invalid auth token).</summary>
    Unauthenticated = 16,
}
