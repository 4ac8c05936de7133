using System.Collections.Concurrent;
using System.Globalization;
using ActorEdge.Serialization;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// The baseline store: one dictionary shared by every silo of the process, reached without any
/// network (no link, no delay). Values are serialized like a real store's; ETags are versions.
/// </summary>
internal sealed class SharedMemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<string, (byte[] Data, long Version)> _records = new(StringComparer.Ordinal);
    private long _version;

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        if (_records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = Serializer.Deserialize<TState>(record.Data);
            grainState.ETag = record.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Key(stateName, grainId);
        var data = Serializer.SerializeToArray(grainState.State);
        var version = Interlocked.Increment(ref _version);
        var updated = _records.AddOrUpdate(
            key,
            _ => grainState.ETag is null ? (data, version) : throw Stale(key, null, grainState.ETag),
            (_, old) => old.Version.ToString(CultureInfo.InvariantCulture) == grainState.ETag ? (data, version) : throw Stale(key, old.Version, grainState.ETag));
        grainState.ETag = updated.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        _records.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{grainId.Type}/{grainId.Key}/{stateName}";

    private static InconsistentStateException Stale(string key, long? stored, string? etag) =>
        new($"Stale write to {key}", stored?.ToString(CultureInfo.InvariantCulture), etag);
}
