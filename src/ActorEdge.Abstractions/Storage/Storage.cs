namespace ActorEdge;

/// <summary>
/// Persistent state injected into a grain's constructor with <see cref="PersistentStateAttribute"/>.
/// The state is read before <see cref="Grain.OnActivateAsync"/> and written only when the grain asks.
/// </summary>
public interface IPersistentState<TState>
{
    /// <summary>The state. A new instance (or default) when no record exists.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record, or null if none was read or written.</summary>
    string? Etag { get; }

    /// <summary>Whether a record exists in storage.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the state from storage, replacing <see cref="State"/>.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <see cref="State"/>. Throws <see cref="InconsistentStateException"/> if storage holds a newer version.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes the record from storage and resets <see cref="State"/>.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    /// <summary>The name of the state within the grain.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The name of the storage provider; null for the default provider.</summary>
    public string? StorageName { get; } = storageName;
}

/// <summary>A grain state as exchanged with a storage provider.</summary>
public interface IGrainState<TState>
{
    /// <summary>The state.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record, as the provider defines it; null when no record exists.</summary>
    string? ETag { get; set; }

    /// <summary>Whether the record exists.</summary>
    bool RecordExists { get; set; }
}

/// <summary>The default <see cref="IGrainState{TState}"/>.</summary>
public sealed class GrainState<TState>(TState state) : IGrainState<TState>
{
    /// <inheritdoc />
    public TState State { get; set; } = state;

    /// <inheritdoc />
    public string? ETag { get; set; }

    /// <inheritdoc />
    public bool RecordExists { get; set; }
}

/// <summary>
/// A storage provider for grain state. Every implementation uses optimistic concurrency:
/// a write or clear whose <see cref="IGrainState{TState}.ETag"/> does not match the stored
/// version (null meaning "no record") throws <see cref="InconsistentStateException"/> and
/// changes nothing. On success the provider sets the new ETag and <see cref="IGrainState{TState}.RecordExists"/>.
/// </summary>
public interface IGrainStorage
{
    /// <summary>Reads the state; when no record exists, leaves State as it is, sets ETag to null and RecordExists to false.</summary>
    Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default);

    /// <summary>Writes the state if its ETag matches the stored version.</summary>
    Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default);

    /// <summary>Removes the record if its ETag matches the stored version.</summary>
    Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default);
}

/// <summary>A write or clear carried an ETag that does not match the stored version. Nothing was changed.</summary>
public sealed class InconsistentStateException : GrainException
{
    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag, Exception? innerException = null)
        : base($"{message} (stored ETag: {storedEtag ?? "none"}, ETag of the write: {currentEtag ?? "none"})", innerException)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>The version in storage, or null if no record exists.</summary>
    public string? StoredEtag { get; }

    /// <summary>The version the write was based on.</summary>
    public string? CurrentEtag { get; }
}
