using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ActorEdge.Etcd;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>
/// The Reactive strategy on etcd (<see cref="EtcdMigrationMode.NodeLocal"/>): each silo's provider
/// talks to a single-member etcd on its own node, and a migrating grain's record moves from the
/// source's etcd to the target's.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>"prepare" (source, while the grain still serves): read the record ahead, so that the
/// export, on the held path, need not; any write or clear of the key since drops what was read,
/// and the export uses it only if its revision is still the activation's ETag.</item>
/// <item>"flush" (source): read the record (value and mod revision) from the local etcd. Every
/// acknowledged write is already durable there (etcd fsyncs its WAL before answering), so reading
/// is the whole flush. The read is serializable when the member has applied the activation's ETag
/// (a checked read, as Replicated mode's), linearizable otherwise (a fetch, or after a write whose
/// outcome is unknown). No record: nothing is exported (empty), which also means "not held here".</item>
/// <item>"import" (target, its own provider): put the value into the target's etcd. The target's
/// ETag is that etcd's new mod revision, which is why the record travels rather than the in-memory
/// state: the target activation reads it back. A failure throws, the hand-over is refused and the
/// source keeps its record.</item>
/// <item>complete (source): delete the source's key in a transaction guarded by the exported mod
/// revision, so a record written after the export (the grain came back, say) is never lost.</item>
/// </list>
/// What the thesis counts for Reactive besides the transfer (etcd warm-up and container boot,
/// compaction, defragmentation, re-election) is not on this path: the etcd on every node is
/// already running, history compaction runs periodically in the background
/// (<see cref="EtcdStorageOptions.CompactionInterval"/>), defragmentation is an operator's task,
/// and a single member never holds an election. A migration costs one read and one write.
/// </remarks>
internal sealed partial class EtcdNodeLocalMigration(EtcdGrainStorage storage, ILogger logger) : EtcdMigratingGrainStorage(storage)
{
    /// <summary>Format of the exported bytes: this byte, the source's mod revision (8 bytes, little endian), the value.</summary>
    internal const byte FormatVersion = 1;
    private const int HeaderBytes = 9;

    // Key → the mod revision exported, which CompleteAsync deletes only if it is still the stored one.
    private readonly ConcurrentDictionary<string, long> _exported = new(StringComparer.Ordinal);

    // Key → the record just imported, until the next read takes it: the target activation's first
    // read, right after the hand-over, decodes it instead of reading it back from etcd. Any other
    // use of the key through this provider drops it, and it is not used once older than
    // ImportedReadWindow (a hand-over refused after its import leaves one nobody reads soon).
    private readonly ConcurrentDictionary<string, (ReadOnlyMemory<byte> Value, long Revision, long At)> _imported = new(StringComparer.Ordinal);
    private static readonly TimeSpan ImportedReadWindow = TimeSpan.FromSeconds(10);

    public override Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Storage.KeyOf(stateName, grainId);
        if (_imported.TryRemove(key, out var imported) && Stopwatch.GetElapsedTime(imported.At) < ImportedReadWindow)
        {
            Storage.Decode(key, imported.Value.Span, imported.Revision, grainState);
            return Task.CompletedTask;
        }
        return base.ReadStateAsync(stateName, grainId, grainState, cancellationToken);
    }

    // Key → the record PrepareAsync read ahead for an export. Removed by every write or clear of the
    // key, when it starts and when it ends: a write whose outcome is unknown may have changed the
    // record while the activation's ETag did not (an entry added after it started is gone once it ends).
    private readonly ConcurrentDictionary<string, ReadAhead> _readAhead = new(StringComparer.Ordinal);

    private const int MaxReadAhead = 1024;

    private sealed class ReadAhead
    {
        private EtcdKeyValue? _record;

        public EtcdKeyValue? Record
        {
            get => Volatile.Read(ref _record);
            set => Volatile.Write(ref _record, value);
        }
    }

    public override Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = ForgetCached(stateName, grainId);
        return ForgetReadAheadAfterAsync(key, base.WriteStateAsync(stateName, grainId, grainState, cancellationToken));
    }

    public override Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = ForgetCached(stateName, grainId);
        return ForgetReadAheadAfterAsync(key, base.ClearStateAsync(stateName, grainId, grainState, cancellationToken));
    }

    /// <summary>A change of the key starts: what was imported or read ahead no longer describes it.</summary>
    private string ForgetCached(string stateName, GrainId grainId)
    {
        var key = Storage.KeyOf(stateName, grainId);
        _imported.TryRemove(key, out _);
        _readAhead.TryRemove(key, out _);
        return key;
    }

    private async Task ForgetReadAheadAfterAsync(string key, Task change)
    {
        try
        {
            await change.ConfigureAwait(false);
        }
        finally
        {
            _readAhead.TryRemove(key, out _);
        }
    }

    /// <summary>Reads the record ahead while the grain still serves (see the remarks); a failure only means the export reads it.</summary>
    public override async Task PrepareAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        if (migration.ETag is null)
        {
            return;
        }
        var key = Storage.KeyOf(migration.StateName, migration.GrainId);
        if (_readAhead.Count >= MaxReadAhead)
        {
            // Left by migrations that ended before their export: only an optimisation is lost.
            _readAhead.Clear();
        }
        var ahead = new ReadAhead();
        _readAhead[key] = ahead;
        try
        {
            ahead.Record = await Storage.ReadCheckedAsync(key, migration.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            _readAhead.TryRemove(new KeyValuePair<string, ReadAhead>(key, ahead));
            LogDebugReadAheadFailed(logger, key, e.Message);
        }
    }

    public override bool TransfersRecord => true;

    public override string ExportComponent => "flush";

    public override string ImportComponent => "import";

    public override async Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var key = Storage.KeyOf(migration.StateName, migration.GrainId);
        _imported.TryRemove(key, out _);
        EtcdKeyValue? kv;
        try
        {
            // Read ahead at the revision the activation still holds: nothing has written the key since.
            // Otherwise the activation's ETag bounds the record from below: a serializable read that has
            // applied it is the latest (a linearizable one would also wait for whatever else is being applied).
            kv = _readAhead.TryRemove(key, out var ahead) && ahead.Record is { } record && migration.ETag == EtcdGrainStorage.FormatEtag(record.ModRevision)
                ? record
                : await Storage.ReadCheckedAsync(key, migration.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            throw new EtcdStorageException($"etcd grain storage '{Storage.Name}' cannot export '{key}' for the migration of {migration.GrainId} to {migration.Target}: {e.Message}", e);
        }
        if (kv is null)
        {
            _exported.TryRemove(key, out _);
            return ReadOnlyMemory<byte>.Empty;
        }
        _exported[key] = kv.ModRevision;
        var exported = new byte[HeaderBytes + kv.Value.Length];
        exported[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(exported.AsSpan(1), kv.ModRevision);
        kv.Value.Span.CopyTo(exported.AsSpan(HeaderBytes));
        LogDebugExported(logger, key, kv.ModRevision, kv.Value.Length);
        return exported;
    }

    public override async Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var key = Storage.KeyOf(migration.StateName, migration.GrainId);
        _imported.TryRemove(key, out _);
        if (exported.IsEmpty)
        {
            // The grain moves here without a record (never written, or cleared): a leftover copy here
            // (from a hand-over whose complete failed) must not be read as its state.
            try
            {
                await Storage.Client.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (EtcdException e)
            {
                throw new EtcdStorageException($"etcd grain storage '{Storage.Name}' cannot clear '{key}' in the etcd of this node ({Storage.Client.WriteEndpoint}) for {migration.GrainId}, which arrives without a record: {e.Message} The hand-over is refused.", e);
            }
            return;
        }
        if (exported.Length < HeaderBytes || exported.Span[0] != FormatVersion)
        {
            throw new EtcdStorageException($"etcd grain storage '{Storage.Name}' cannot import '{key}': the {exported.Length} bytes handed over are not an etcd record export (format {FormatVersion}); the hand-over is refused.");
        }
        var sourceRevision = BinaryPrimitives.ReadInt64LittleEndian(exported.Span[1..]);
        EtcdPutResult put;
        try
        {
            put = await Storage.Client.PutAsync(key, exported[HeaderBytes..], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            throw new EtcdStorageException(
                $"etcd grain storage '{Storage.Name}' cannot import '{key}' (revision {sourceRevision} at {migration.Source}) into the etcd of this node ({Storage.Client.WriteEndpoint}): {e.Message} The hand-over is refused; the source keeps the record.",
                e);
        }
        _imported[key] = (exported[HeaderBytes..], put.Revision, Stopwatch.GetTimestamp());
        LogDebugImported(logger, key, sourceRevision, put.Revision);
    }

    public override async Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var key = Storage.KeyOf(migration.StateName, migration.GrainId);
        _imported.TryRemove(key, out _);
        if (!_exported.TryRemove(key, out var revision))
        {
            // Exported by an earlier run of this silo: the activation's ETag is the best knowledge left.
            if (migration.ETag is null || !long.TryParse(migration.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out revision))
            {
                return;
            }
        }
        EtcdTxnResult result;
        try
        {
            result = await Storage.Client.TxnAsync(
                new EtcdTxn().If(EtcdCompare.ModRevision(key, EtcdCompareResult.Equal, revision)).Then(EtcdOp.Delete(key)).Else(EtcdOp.Get(key, keysOnly: true)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            throw new EtcdStorageException($"etcd grain storage '{Storage.Name}' cannot remove the source copy of '{key}' after {migration.GrainId} moved to {migration.Target}: {e.Message}", e);
        }
        if (result.Succeeded)
        {
            LogDebugRemoved(logger, key, revision);
        }
        else
        {
            var kvs = result.Responses[0].Range?.Kvs;
            LogInformationKept(logger, key, revision, kvs is { Count: > 0 } ? kvs[0].ModRevision : 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading {Key} ahead of its export failed ({Reason}); the export reads it")]
    private static partial void LogDebugReadAheadFailed(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Exported {Key} at revision {Revision} ({Bytes} bytes)")]
    private static partial void LogDebugExported(ILogger logger, string key, long revision, int bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Imported {Key} (source revision {SourceRevision}) at revision {Revision}")]
    private static partial void LogDebugImported(ILogger logger, string key, long sourceRevision, long revision);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed the source copy of {Key} (revision {Revision})")]
    private static partial void LogDebugRemoved(ILogger logger, string key, long revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the source copy of {Key}: it changed since the export (exported revision {Exported}, stored {Stored}; 0: gone)")]
    private static partial void LogInformationKept(ILogger logger, string key, long exported, long stored);
}
