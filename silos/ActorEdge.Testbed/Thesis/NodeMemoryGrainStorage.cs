using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using ActorEdge.Serialization;

namespace ActorEdge.Testbed.Thesis;

/// <summary>
/// A Reactive store without a disk, beside NodeLocal: records in the memory of the silo hosting
/// the grain (not durable, no fsync), moved with the grain by the runtime's storage migration
/// (export on the source, import on the target, complete on the source). It measures what the
/// runtime and the link cost for a record transfer, not what a durable store adds.
/// </summary>
internal sealed class NodeMemoryGrainStorage : IGrainStorage, IGrainStorageMigration
{
    private readonly ConcurrentDictionary<(GrainId, string), (byte[] Bytes, long Version)> _records = new();

    public bool TransfersRecord => true;

    public string ExportComponent => "flush";

    public string ImportComponent => "import";

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        if (_records.TryGetValue((grainId, stateName), out var record))
        {
            grainState.State = Serializer.Deserialize<TState>(record.Bytes);
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
        var bytes = Serializer.SerializeToArray(grainState.State);
        lock (_records)
        {
            var exists = _records.TryGetValue((grainId, stateName), out var record);
            var stored = exists ? record.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (stored != grainState.ETag)
            {
                return Task.FromException(new InconsistentStateException($"Stale write to {grainId}/{stateName}", stored, grainState.ETag));
            }
            var version = record.Version + 1;
            _records[(grainId, stateName)] = (bytes, version);
            grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        _records.TryRemove((grainId, stateName), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        if (!_records.TryGetValue((migration.GrainId, migration.StateName), out var record))
        {
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }
        var bytes = new byte[8 + record.Bytes.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, record.Version);
        record.Bytes.CopyTo(bytes, 8);
        return Task.FromResult<ReadOnlyMemory<byte>>(bytes);
    }

    public Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        if (exported.IsEmpty)
        {
            _records.TryRemove((migration.GrainId, migration.StateName), out _);
        }
        else
        {
            _records[(migration.GrainId, migration.StateName)] = (exported[8..].ToArray(), BinaryPrimitives.ReadInt64LittleEndian(exported.Span));
        }
        return Task.CompletedTask;
    }

    public Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        _records.TryRemove((migration.GrainId, migration.StateName), out _);
        return Task.CompletedTask;
    }
}
