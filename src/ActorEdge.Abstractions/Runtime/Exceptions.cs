namespace ActorEdge;

/// <summary>Base of the exceptions raised by the ActorEdge runtime.</summary>
public class GrainException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public GrainException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A grain call named a method that the target grain does not implement.</summary>
public sealed class GrainMethodNotFoundException(string message) : GrainException(message);

/// <summary>A grain call named a grain type or interface that no silo can activate.</summary>
public sealed class GrainTypeNotFoundException(string message) : GrainException(message);

/// <summary>A silo could not be reached, or went away while a call to it was pending.</summary>
public sealed class SiloUnavailableException(string message, Exception? innerException = null) : GrainException(message, innerException);

/// <summary>
/// An exception thrown by a grain whose type could not be recreated at the caller. It carries
/// the original type name and message.
/// </summary>
public sealed class RemoteGrainException(string originalTypeName, string message) : GrainException($"{originalTypeName}: {message}")
{
    /// <summary>The full name of the exception type thrown at the callee.</summary>
    public string OriginalTypeName { get; } = originalTypeName;
}
