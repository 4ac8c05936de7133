using System.Buffers;
using System.Globalization;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// Grain state in files on the silo's own node, one record file per state at
/// <c>{root}/{serviceId}/{grainType}/{key}/{stateName}.rec</c> (names escaped by
/// <see cref="RecordLayout"/>). A record carries its version, the ETag: 1 on the first write,
/// then one more on every write or clear. A clear leaves a tombstone (a record with no payload,
/// read as "no record") that keeps the version, so an ETag is never handed out twice, and the
/// version travels with the record when the grain migrates (<see cref="IGrainStorageMigration"/>),
/// so an ETag stays meaningful on the next node.
/// </summary>
/// <remarks>
/// Operations on one grain are serialized by a lock stripe chosen by the grain's stable hash (256
/// stripes): different grains proceed in parallel, writes to one record check the ETag and
/// replace the file one at a time. Reads take no lock: a rename replaces a record atomically, so
/// an open file is always one whole version. One store owns a root at a time (an exclusive lock
/// on <c>{root}/.nodelocal.lock</c>), which is also why temporary files found at start are
/// leftovers of a crash and are deleted.
/// </remarks>
internal sealed partial class NodeLocalGrainStorage : IGrainStorage, IDisposable
{
    private const int LockStripes = 256;
    private const string LockFileName = ".nodelocal.lock";

    private readonly string _name;
    private readonly string _root;
    private readonly string _serviceRoot;
    private readonly int _maxRecordBytes;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim[] _gates = new SemaphoreSlim[LockStripes];
    private readonly FileStream _lockFile;
    // Once disposed the root's lock is released and another store may own it: no more operations.
    private volatile bool _disposed;

    public NodeLocalGrainStorage(string name, string serviceId, string rootPath, NodeLocalStorageOptions options, ILogger<NodeLocalGrainStorage> logger)
    {
        _name = name;
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        _serviceRoot = Path.Combine(_root, RecordLayout.Escape(serviceId));
        _maxRecordBytes = options.MaxRecordBytes;
        _logger = logger;
        for (var i = 0; i < _gates.Length; i++)
        {
            _gates[i] = new SemaphoreSlim(1, 1);
        }
        try
        {
            if (!Directory.Exists(_root))
            {
                Directory.CreateDirectory(_root);
                if (Path.GetDirectoryName(_root) is { } parent)
                {
                    DurableFiles.SyncDirectory(parent);
                }
            }
            _lockFile = new FileStream(Path.Combine(_root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new NodeLocalStorageException($"NodeLocal grain storage '{name}' cannot own its root '{_root}': {e.Message} (another store or silo using the same RootPath holds {LockFileName}; give each its own RootPath).", Path.Combine(_root, LockFileName), e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new NodeLocalStorageException($"NodeLocal grain storage '{name}' cannot use its root '{_root}': {e.Message}", _root, e);
        }
        RemoveTemporaryFiles();
        LogInformationCreated(_logger, name, _root, options.ToString());
    }

    /// <summary>The root directory this store owns.</summary>
    public string RootPath => _root;

    /// <summary>The record file of a state.</summary>
    public string PathOf(GrainId grainId, string stateName) =>
        Path.Combine(_serviceRoot, RecordLayout.Escape(grainId.Type), RecordLayout.Escape(grainId.Key), RecordLayout.Escape(stateName) + RecordLayout.RecordExtension);

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        var path = PathOf(grainId, stateName);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ReadCore(path, grainState);
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromException(Failure("read", path, e));
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = PathOf(grainId, stateName);
        // From the pool: a large state does not allocate a new array (and its growth copies) on every write.
        using var payload = new PooledBuffer(1024);
        Serializer.Serialize(grainState.State, payload);
        if (payload.Length > _maxRecordBytes)
        {
            throw new NodeLocalStorageException($"NodeLocal grain storage '{_name}': the state for '{path}' is {payload.Length} bytes, more than MaxRecordBytes ({_maxRecordBytes}); nothing was written.", path);
        }
        var crc = Crc32C.Compute(payload.WrittenSpan);
        var expected = grainState.ETag;
        var gate = GateFor(grainId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        ulong version;
        try
        {
            version = await Task.Run(() => WriteCore(path, expected, payload, crc), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("write", path, e);
        }
        finally
        {
            gate.Release();
        }
        grainState.ETag = EtagOf(version);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = PathOf(grainId, stateName);
        var expected = grainState.ETag;
        var gate = GateFor(grainId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => ClearCore(path, expected), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("clear", path, e);
        }
        finally
        {
            gate.Release();
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public void Dispose()
    {
        _disposed = true;
        _lockFile.Dispose();
    }

    internal static string EtagOf(ulong version) => version.ToString(CultureInfo.InvariantCulture);

    private void ReadCore<TState>(string path, IGrainState<TState> grainState)
    {
        if (!DurableFiles.TryReadRecord(path, ArrayPool<byte>.Shared.Rent, out var header, out var buffer, out _, out var error))
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        try
        {
            if (error is not null)
            {
                throw Corrupt(path, error);
            }
            if (header.IsTombstone)
            {
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }
            try
            {
                grainState.State = Serializer.Deserialize<TState>(buffer.AsSpan(RecordFormat.HeaderSize, header.PayloadLength));
            }
            catch (SerializationException e)
            {
                throw new NodeLocalStorageException($"NodeLocal grain storage '{_name}': the record '{path}' (version {header.Version}, {header.PayloadLength} bytes, checksum valid) cannot be read as {typeof(TState).Name}: {e.Message}", path, e);
            }
            grainState.ETag = EtagOf(header.Version);
            grainState.RecordExists = true;
        }
        finally
        {
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private ulong WriteCore(string path, string? expected, PooledBuffer payload, uint crc)
    {
        var current = CurrentVersion(path, out var live);
        CheckEtag("write", path, live ? current : null, expected);
        var version = current + 1;
        Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
        RecordFormat.WriteHeader(header, new RecordHeader(version, IsTombstone: false, payload.Length, crc));
        DurableFiles.EnsureDirectory(_root, Path.GetDirectoryName(path)!);
        DurableFiles.Replace(path, header, payload.WrittenSpan);
        return version;
    }

    private void ClearCore(string path, string? expected)
    {
        var current = CurrentVersion(path, out var live);
        CheckEtag("clear", path, live ? current : null, expected);
        if (!live)
        {
            return;
        }
        // The tombstone keeps the version, so the next write continues after it instead of at 1.
        Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
        RecordFormat.WriteHeader(header, new RecordHeader(current + 1, IsTombstone: true, 0, Crc32C.Compute([])));
        DurableFiles.Replace(path, header);
    }

    /// <summary>The stored version (0 when there is no file) and whether it is a live record rather than a tombstone.</summary>
    private ulong CurrentVersion(string path, out bool live)
    {
        if (!DurableFiles.TryReadHeader(path, out var header, out var error))
        {
            live = false;
            return 0;
        }
        if (error is not null)
        {
            throw Corrupt(path, error);
        }
        live = !header.IsTombstone;
        return header.Version;
    }

    private void CheckEtag(string operation, string path, ulong? stored, string? expected)
    {
        var storedEtag = stored is { } version ? EtagOf(version) : null;
        if (!string.Equals(storedEtag, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"NodeLocal grain storage '{_name}': the {operation} of '{path}' was refused, the record was changed by another writer", storedEtag, expected);
        }
    }

    internal SemaphoreSlim GateFor(GrainId grainId) => _gates[grainId.StableHashCode % LockStripes];

    private void RemoveTemporaryFiles()
    {
        var removed = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var temp in Directory.EnumerateFiles(_root, "*" + RecordLayout.TempExtension, options))
        {
            DurableFiles.TryDelete(temp);
            removed++;
        }
        if (removed > 0)
        {
            LogWarningTemporaryFilesRemoved(_logger, _name, removed, _root);
        }
    }

    private NodeLocalStorageException Corrupt(string path, string reason)
    {
        LogErrorCorrupt(_logger, _name, path, reason);
        return new NodeLocalStorageException($"NodeLocal grain storage '{_name}': the record file '{path}' is corrupt: {reason}. It was not read; restore it or delete it to start the state over.", path);
    }

    private NodeLocalStorageException Failure(string operation, string path, Exception e)
    {
        LogWarningFailed(_logger, _name, operation, path, e.Message);
        return new NodeLocalStorageException($"NodeLocal grain storage '{_name}' could not {operation} '{path}': {e.Message}", path, e);
    }
}
