using System.Collections.Concurrent;
using System.Globalization;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Storage;

/// <summary>
/// Grain storage in the silo's memory, for tests and demos. It stores serialized bytes (so a
/// grain never shares objects with storage) and enforces ETags exactly like durable providers:
/// the ETag is a version number that every write increments.
/// </summary>
internal sealed class MemoryGrainStorage(string name, string serviceId) : IGrainStorage
{
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);

    public string Name => name;

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        if (_records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = Serializer.Deserialize<TState>(record.Data);
            grainState.ETag = record.ETag;
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
        while (true)
        {
            _records.TryGetValue(key, out var current);
            if (!string.Equals(current?.ETag, grainState.ETag, StringComparison.Ordinal))
            {
                return Task.FromException(new InconsistentStateException($"Write of {key} in memory storage '{name}' refused: the ETag is stale", current?.ETag, grainState.ETag));
            }
            var next = new Record(data, ((current?.Version ?? 0) + 1).ToString(CultureInfo.InvariantCulture), (current?.Version ?? 0) + 1);
            var won = current is null ? _records.TryAdd(key, next) : _records.TryUpdate(key, next, current);
            if (won)
            {
                grainState.ETag = next.ETag;
                grainState.RecordExists = true;
                return Task.CompletedTask;
            }
        }
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Key(stateName, grainId);
        _records.TryGetValue(key, out var current);
        if (!string.Equals(current?.ETag, grainState.ETag, StringComparison.Ordinal))
        {
            return Task.FromException(new InconsistentStateException($"Clear of {key} in memory storage '{name}' refused: the ETag is stale", current?.ETag, grainState.ETag));
        }
        if (current is not null && !_records.TryRemove(new KeyValuePair<string, Record>(key, current)))
        {
            return ClearStateAsync(stateName, grainId, grainState, cancellationToken);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private string Key(string stateName, GrainId grainId) => $"{serviceId}/{grainId.Type}/{grainId.Key}/{stateName}";

    private sealed record Record(byte[] Data, string ETag, long Version);
}
