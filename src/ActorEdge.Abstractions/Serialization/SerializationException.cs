namespace ActorEdge.Serialization;

/// <summary>Bytes could not be decoded (truncated, corrupt, or of an unexpected shape), or a type has no codec.</summary>
public sealed class SerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SerializationException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public SerializationException(string message, Exception? innerException) : base(message, innerException) { }
}
