namespace ActorEdge.Persistence.Crdt;

/// <summary>The CRDT storage could not do what was asked (an unregistered type, a replica that did not catch up in time).</summary>
public class CrdtStorageException : GrainException
{
    /// <summary>Creates the exception.</summary>
    public CrdtStorageException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>The local replica did not reach the version handed over (for example by a migration's source) within the bound.</summary>
public sealed class CrdtCatchUpTimeoutException(string message) : CrdtStorageException(message);
