using System.Collections.Concurrent;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// The record moves with the grain (DESIGN.md §7, Reactive): the source exports the record file's
/// bytes as they are on disk (header with the version, payload, checksums), the target validates
/// and stores them under the same version, and the source removes its copy once the target has
/// confirmed, unless the record changed after the export. The same three steps fetch a record
/// from the silo that holds it: an export of an absent record is empty ("not held here"), and an
/// empty import removes any local record of that state.
/// </summary>
internal sealed partial class NodeLocalGrainStorage : IGrainStorageMigration
{
    // The version each record had when exported, by record path: CompleteAsync removes only that version.
    private readonly ConcurrentDictionary<string, ulong> _exported = new(StringComparer.Ordinal);

    public bool TransfersRecord => true;

    /// <summary>A record's version is in its header, travels with it and rises with every write (a clear's tombstone included).</summary>
    public bool ComparesRecordVersions => true;

    /// <summary>Writes are already fsynced, so this is the read of the durable record.</summary>
    public string ExportComponent => "flush";

    public string ImportComponent => "import";

    public async Task<ReadOnlyMemory<byte>> ExportAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = PathOf(migration.GrainId, migration.StateName);
        var gate = GateFor(migration.GrainId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => ExportCore(path, migration), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("export", path, e);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task ImportAsync(StateMigration migration, ReadOnlyMemory<byte> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = PathOf(migration.GrainId, migration.StateName);
        var gate = GateFor(migration.GrainId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => ImportCore(path, migration, exported), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("import", path, e);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task CompleteAsync(StateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = PathOf(migration.GrainId, migration.StateName);
        var gate = GateFor(migration.GrainId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => CompleteCore(path, migration), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("remove the migrated record", path, e);
        }
        finally
        {
            gate.Release();
        }
    }

    private ReadOnlyMemory<byte> ExportCore(string path, StateMigration migration)
    {
        if (!DurableFiles.TryReadRecord(path, static length => new byte[length], out var header, out var record, out var length, out var error))
        {
            _exported.TryRemove(path, out _);
            LogDebugNothingToExport(_logger, _name, path, migration.GrainId);
            return ReadOnlyMemory<byte>.Empty;
        }
        if (error is not null)
        {
            throw Corrupt(path, error);
        }
        _exported[path] = header.Version;
        LogDebugExported(_logger, _name, path, header.Version, length, migration.GrainId, migration.Target);
        return record.AsMemory(0, length);
    }

    private void ImportCore(string path, StateMigration migration, ReadOnlyMemory<byte> exported)
    {
        // This store holds the record from now on: an export it made earlier no longer counts.
        _exported.TryRemove(path, out _);
        if (exported.IsEmpty)
        {
            DurableFiles.Delete(path);
            return;
        }
        if (exported.Length - RecordFormat.HeaderSize > _maxRecordBytes)
        {
            throw new NodeLocalStorageException($"NodeLocal grain storage '{_name}': the record of {migration.GrainId}/{migration.StateName} from {migration.Source} is {exported.Length} bytes, more than MaxRecordBytes ({_maxRecordBytes}); nothing was imported.", path);
        }
        if (DurableFiles.Validate(exported.Span, out var header) is { } error)
        {
            throw new NodeLocalStorageException($"NodeLocal grain storage '{_name}': the record of {migration.GrainId}/{migration.StateName} exported by {migration.Source} is not valid: {error}; nothing was imported.", path);
        }
        if (DurableFiles.TryReadHeader(path, out var local, out var localError) && localError is null && local.Version > header.Version)
        {
            if (migration.ETag is null)
            {
                // A fetch (no hand-over) offered an older copy than this store's own record, a
                // tombstone left by a clear for instance: keep ours, so a cleared state stays cleared.
                LogWarningImportReplacedNewer(_logger, _name, migration.Source, path, local.Version, header.Version);
                return;
            }
            LogWarningImportReplacedNewer(_logger, _name, migration.Source, path, local.Version, header.Version);
        }
        DurableFiles.EnsureDirectory(_root, Path.GetDirectoryName(path)!);
        DurableFiles.Replace(path, exported.Span);
        LogDebugImported(_logger, _name, path, header.Version, migration.Source);
    }

    private void CompleteCore(string path, StateMigration migration)
    {
        var known = _exported.TryRemove(path, out var exportedVersion);
        if (!DurableFiles.TryReadHeader(path, out var header, out var error))
        {
            return; // nothing here (the export was empty)
        }
        if (!known)
        {
            // No export of this store is pending for the record: either this store restarted since,
            // or the record came back here (imported) after the export. Deleting on the strength of
            // the activation's ETag could then delete the current record; a stale copy is the lesser harm.
            LogInformationCompleteKept(_logger, _name, path, migration.GrainId, "no export of it is pending here (imported again since, or exported before a restart)");
            return;
        }
        if (error is not null)
        {
            LogInformationCompleteKept(_logger, _name, path, migration.GrainId, "the file is no longer a valid record: " + error);
            return;
        }
        if (header.Version != exportedVersion)
        {
            LogInformationCompleteKept(_logger, _name, path, migration.GrainId, $"it is at version {header.Version}, written after the export of version {exportedVersion}");
            return;
        }
        DurableFiles.Delete(path);
        var grainDirectory = Path.GetDirectoryName(path)!;
        if (!Directory.EnumerateFileSystemEntries(grainDirectory).Any())
        {
            // Same lock stripe as every write of this grain, so no writer is creating a file in it now.
            Directory.Delete(grainDirectory);
            DurableFiles.SyncDirectory(Path.GetDirectoryName(grainDirectory)!);
        }
        LogDebugCompleted(_logger, _name, path, header.Version, migration.GrainId, migration.Target);
    }
}
