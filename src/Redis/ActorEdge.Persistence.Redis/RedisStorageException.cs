namespace ActorEdge.Persistence.Redis;

/// <summary>
/// The Redis grain storage could not complete an operation (server unreachable, timeout, state too
/// large...). The message names the provider and the key; the inner exception is the client's.
/// A stale ETag is not this: it throws <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class RedisStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisStorageException(string message, Exception? innerException = null) : base(message, innerException) { }
}
