using System.Buffers.Binary;
using System.Threading.Channels;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>
/// An append-only journal: each record is <c>u32 length | u32 CRC-32C | payload</c> (journals of
/// earlier builds carry the IEEE CRC-32, which the table below computes ~12 times slower than the
/// CPU's CRC-32C instruction; replay still accepts it, and their next compaction rewrites them). Appends
/// are written and fsync'd by one loop (group commit); an append completes once durable. Opening
/// replays the records and cuts the file at the first torn or corrupt record (a crash mid-write).
/// When the file grows past the compaction size (and past twice the last snapshot, so a large live
/// state does not compact on every batch), the write loop replaces it between two batches with a
/// snapshot of the replicas: written to a temporary file, fsync'd, renamed over the journal. A
/// crash leaves either the old journal or the new one, each complete. Snapshots may hold more than
/// the records written so far (replay merges idempotently), never less: every record's effect is
/// in memory before it is appended.
/// <para>
/// A write or fsync that fails stops the journal for good (fail-stop, as etcd's WAL and PostgreSQL
/// do): that batch and every later append fail with <see cref="Failure"/>, and nothing more is
/// reported durable. Going on would be unsafe twice over: the failed write may have left a torn
/// frame, at which replay stops, so every record appended after it would be acknowledged and then
/// lost at the next start; and after a failed fsync Linux may have dropped the dirty pages, so a
/// later fsync that succeeds vouches for nothing. Restarting replays every record written before.
/// </para>
/// </summary>
internal sealed class CrdtJournal : IAsyncDisposable
{
    private const string FileName = "replicas.journal";
    private const int MaxRecordBytes = 256 * 1024 * 1024;

    private readonly string _directory;
    private readonly Func<List<byte[]>>? _snapshot;
    private readonly Action<Exception>? _onCompactionFailed;
    private readonly long _compactionBytes;
    private FileStream _stream;
    private long _lastSnapshotBytes;
    private long _compactions;
    private readonly Channel<Append> _appends = Channel.CreateUnbounded<Append>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<ulong> _onDurable;
    private readonly Task _writer;
    private volatile CrdtStorageException? _failure;
    private readonly Lock _enqueueGate = new();
    private Task _lastAppend = Task.CompletedTask;

    private readonly Action<CrdtStorageException>? _onFailed;

    private CrdtJournal(string directory, FileStream stream, Action<ulong> onDurable, Func<List<byte[]>>? snapshot, long compactionBytes, Action<Exception>? onCompactionFailed, Action<CrdtStorageException>? onFailed)
    {
        _onFailed = onFailed;
        _onCompactionFailed = onCompactionFailed;
        _directory = directory;
        _stream = stream;
        _onDurable = onDurable;
        _snapshot = snapshot;
        _compactionBytes = compactionBytes;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The journal file's length (read it from the write loop's side only through <see cref="Compactions"/> and the file itself).</summary>
    public long Length => Volatile.Read(ref _stream).Length;

    /// <summary>Test hook: while set, the write loop waits for it before writing the next batch.</summary>
    internal Task? Hold { get; set; }

    /// <summary>Test hook: the next batch writes half of its first frame (a torn write), then fails with this.</summary>
    internal Exception? FailNextWrite { get; set; }

    /// <summary>Why the journal stopped (null while it works): every append since fails with it.</summary>
    public CrdtStorageException? Failure => _failure;

    /// <summary>How many times the journal was replaced by a snapshot while running.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Reads the journal of <paramref name="directory"/> (creating it), cutting a torn tail; returns the records' payloads.</summary>
    public static List<byte[]> Replay(string directory, out long validBytes)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var records = new List<byte[]>();
        validBytes = 0;
        if (!File.Exists(path))
        {
            return records;
        }
        var data = File.ReadAllBytes(path);
        var position = 0;
        while (data.Length - position >= 8)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(position));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position + 4));
            if (length < 0 || length > MaxRecordBytes || data.Length - position - 8 < length)
            {
                break;
            }
            var payload = data.AsSpan(position + 8, length);
            if (Crc32C.Compute(payload) != crc && LegacyCrc32.Compute(payload) != crc)
            {
                break;
            }
            records.Add(payload.ToArray());
            position += 8 + length;
        }
        validBytes = position;
        return records;
    }

    /// <summary>
    /// Opens the journal for appending after <paramref name="validBytes"/> (what <see cref="Replay"/>
    /// accepted; the rest is cut). <paramref name="onFailed"/> is called once, from the write loop, if it stops.
    /// </summary>
    public static CrdtJournal Open(string directory, long validBytes, Action<ulong> onDurable, Func<List<byte[]>>? snapshot = null, long compactionBytes = long.MaxValue, Action<Exception>? onCompactionFailed = null, Action<CrdtStorageException>? onFailed = null)
    {
        var stream = OpenForAppend(directory);
        stream.SetLength(validBytes);
        stream.Position = validBytes;
        stream.Flush(flushToDisk: true);
        return new CrdtJournal(directory, stream, onDurable, snapshot, compactionBytes, onCompactionFailed, onFailed);
    }

    private static FileStream OpenForAppend(string directory)
    {
        var stream = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        stream.Position = stream.Length;
        return stream;
    }

    /// <summary>Replaces the journal with a snapshot (write loop only, between batches).</summary>
    private void Compact()
    {
        try
        {
            // The rename replaces the file under the open stream; appends go on in the new file.
            Rewrite(_directory, _snapshot!());
        }
        catch (Exception e)
        {
            // The old journal is intact and stays in use; the next batch tries again.
            _onCompactionFailed?.Invoke(e);
            return;
        }
        var old = _stream;
        var stream = OpenForAppend(_directory);
        _lastSnapshotBytes = stream.Length;
        Volatile.Write(ref _stream, stream);
        old.Dispose();
        Interlocked.Increment(ref _compactions);
    }

    /// <summary>Replaces the journal with <paramref name="records"/> (a snapshot): written to a temporary file, fsync'd, then renamed over it.</summary>
    public static void Rewrite(string directory, IEnumerable<byte[]> records)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var record in records)
            {
                WriteFrame(stream, record);
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>Makes a rename in <paramref name="directory"/> durable (fsync of the folder; Linux only, best effort).</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            var fd = NativeMethods.Open(directory, 0 /* O_RDONLY */);
            if (fd < 0)
            {
                return;
            }
            try
            {
                NativeMethods.Fsync(fd);
            }
            finally
            {
                NativeMethods.Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Best effort: without libc the rename's durability is the file system's.
        }
    }

    /// <summary>The replica id stored in <paramref name="directory"/>, created on first use.</summary>
    public static string LoadOrCreateReplicaId(string directory, Func<string> create)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "replica-id");
        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            if (stored.Length > 0)
            {
                return stored;
            }
        }
        var id = create();
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(id));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        return id;
    }

    /// <summary>Appends a record; completes when it is on disk. <paramref name="localSequence"/> (0 for none) is reported durable in order.</summary>
    public Task AppendAsync(byte[] payload, ulong localSequence) => Enqueue(new Append(payload, null, localSequence, NewDone()));

    /// <summary>Appends the record in <paramref name="payload"/>, which the journal owns from now on (it returns the buffer once written).</summary>
    public Task AppendAsync(PooledBuffer payload, ulong localSequence) => Enqueue(new Append(payload.WrittenMemory, payload, localSequence, NewDone()));

    private static TaskCompletionSource NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Enqueue(Append append)
    {
        lock (_enqueueGate)
        {
            if (_failure is { } failure || !_appends.Writer.TryWrite(append))
            {
                append.Owner?.Dispose();
                return Task.FromException(_failure ?? (Exception)new ObjectDisposedException(nameof(CrdtJournal)));
            }
            _lastAppend = append.Done.Task;
            return _lastAppend;
        }
    }

    /// <summary>
    /// Completes once every record appended so far is on disk (appends complete in order), or
    /// fails if the journal stopped; costs nothing when none is pending.
    /// </summary>
    public Task WhenWritten()
    {
        lock (_enqueueGate)
        {
            return _failure is { } failure ? Task.FromException(failure) : _lastAppend;
        }
    }

    /// <summary>Replaces the journal with a snapshot now (after the appends queued before); completes once done.</summary>
    public Task CompactAsync()
    {
        var append = new Append(ReadOnlyMemory<byte>.Empty, null, 0, NewDone(), Compact: true);
        return _appends.Writer.TryWrite(append) ? append.Done.Task : Task.FromException(new ObjectDisposedException(nameof(CrdtJournal)));
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Append>();
        var reader = _appends.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (Hold is { } hold)
            {
                await hold.ConfigureAwait(false);
            }
            while (reader.TryRead(out var append))
            {
                batch.Add(append);
            }
            if (_failure is { } stopped)
            {
                Fail(batch, stopped);
                continue;
            }
            try
            {
                ulong durable = 0;
                var compact = false;
                foreach (var append in batch)
                {
                    if (append.Compact)
                    {
                        compact = true;
                        continue;
                    }
                    if (FailNextWrite is { } fault)
                    {
                        FailNextWrite = null;
                        WriteFrame(_stream, append.Payload.Span, torn: true);
                        _stream.Flush(flushToDisk: true);
                        throw fault;
                    }
                    WriteFrame(_stream, append.Payload.Span);
                    durable = Math.Max(durable, append.LocalSequence);
                }
                _stream.Flush(flushToDisk: true);
                if (durable != 0)
                {
                    _onDurable(durable);
                }
                foreach (var append in batch)
                {
                    if (!append.Compact)
                    {
                        append.Done.TrySetResult();
                    }
                }
                if (_snapshot is not null && (compact || _stream.Length > Math.Max(_compactionBytes, 2 * _lastSnapshotBytes)))
                {
                    Compact();
                }
                foreach (var append in batch)
                {
                    append.Done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                var failure = new CrdtStorageException(
                    $"The CRDT journal in '{_directory}' could not be written ({e.Message}); it accepts no more records, so this replica takes no more updates. Restart the silo: it replays every record written before.", e);
                _failure = failure;
                Fail(batch, failure);
                _onFailed?.Invoke(failure);
                continue;
            }
            foreach (var append in batch)
            {
                append.Owner?.Dispose();
            }
            batch.Clear();
        }
    }

    private static void Fail(List<Append> batch, CrdtStorageException failure)
    {
        foreach (var append in batch)
        {
            append.Done.TrySetException(failure);
            append.Owner?.Dispose();
        }
        batch.Clear();
    }

    /// <summary>Writes one record; <paramref name="torn"/> (tests) writes only its first half, as a crash or a failed write can.</summary>
    private static void WriteFrame(Stream stream, ReadOnlySpan<byte> payload, bool torn = false)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32C.Compute(payload));
        stream.Write(header);
        stream.Write(torn ? payload[..(payload.Length / 2)] : payload);
    }

    private readonly record struct Append(ReadOnlyMemory<byte> Payload, PooledBuffer? Owner, ulong LocalSequence, TaskCompletionSource Done, bool Compact = false);
}

/// <summary>CRC-32 (IEEE 802.3, reflected), table driven: the checksum of journals written by earlier builds.</summary>
internal static class LegacyCrc32
{
    private static readonly uint[] Table = CreateTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }
}

/// <summary>libc calls for fsync of a folder (.NET has no API for it).</summary>
internal static class NativeMethods
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Fsync(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Close(int fd);
}
