namespace ActorEdge.Persistence.Etcd;

/// <summary>
/// etcd grain storage failed for a reason other than a stale ETag: etcd unavailable, its space
/// quota exhausted (NOSPACE), a state over its request size limit. The message names the cause.
/// </summary>
public sealed class EtcdStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EtcdStorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
