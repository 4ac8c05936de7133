namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// The node-local grain storage could not complete an operation: a record file is corrupt or
/// truncated, a state is larger than <see cref="NodeLocalStorageOptions.MaxRecordBytes"/>, the
/// disk refused a write, or the root directory is held by another store. The message names the
/// provider and the file. A stale ETag is not this: it throws <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class NodeLocalStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NodeLocalStorageException(string message, string? filePath = null, Exception? innerException = null) : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file the failure concerns, when there is one.</summary>
    public string? FilePath { get; }
}
