using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Storage;

/// <summary>
/// Grain storage in the silo's memory, for tests and demos. It stores serialized bytes (so a
/// grain never shares objects with storage) and enforces ETags exactly like durable providers.
/// </summary>
internal sealed class MemoryGrainStorage(string serviceId) : IGrainStorage
{
    private readonly VersionedByteStore _store = new();

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        GrainStateBytes.Apply(grainState, _store.TryRead(StorageKeys.For(serviceId, grainId, stateName), out var data, out var etag), data, etag);
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        try
        {
            grainState.ETag = _store.Write(StorageKeys.For(serviceId, grainId, stateName), Serializer.SerializeToArray(grainState.State), grainState.ETag);
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }
        catch (InconsistentStateException e)
        {
            return Task.FromException(e);
        }
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        try
        {
            _store.Clear(StorageKeys.For(serviceId, grainId, stateName), grainState.ETag);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        catch (InconsistentStateException e)
        {
            return Task.FromException(e);
        }
    }
}

/// <summary>The storage key layout shared by providers: <c>{serviceId}/{grainType}/{key}/{stateName}</c>.</summary>
internal static class StorageKeys
{
    public static string For(string serviceId, GrainId grainId, string stateName) => $"{serviceId}/{grainId.Type}/{grainId.Key}/{stateName}";
}

/// <summary>Applies stored bytes to a grain state.</summary>
internal static class GrainStateBytes
{
    public static void Apply<TState>(IGrainState<TState> grainState, bool found, ReadOnlySpan<byte> data, string etag)
    {
        if (!found)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        try
        {
            grainState.State = Serializer.Deserialize<TState>(data);
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"The stored state (ETag {etag}) cannot be read as {typeof(TState).Name}: {e.Message}", e);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }
}
