using System.Buffers.Binary;
using System.Threading.Channels;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>
/// An append-only journal: each record is <c>u32 length | u32 CRC-32 | payload</c>. Appends
/// are written and fsync'd by one loop (group commit); an append completes once durable. Opening
/// replays the records and cuts the file at the first torn or corrupt record (a crash mid-write).
/// </summary>
internal sealed class CrdtJournal : IAsyncDisposable
{
    private const string FileName = "replicas.journal";
    private const int MaxRecordBytes = 256 * 1024 * 1024;

    private readonly FileStream _stream;
    private readonly Channel<Append> _appends = Channel.CreateUnbounded<Append>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<ulong> _onDurable;
    private readonly Task _writer;

    private CrdtJournal(FileStream stream, Action<ulong> onDurable)
    {
        _stream = stream;
        _onDurable = onDurable;
        _writer = Task.Run(WriteLoopAsync);
    }

    public long Length => _stream.Length;

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
            if (Crc32.Compute(payload) != crc)
            {
                break;
            }
            records.Add(payload.ToArray());
            position += 8 + length;
        }
        validBytes = position;
        return records;
    }

    /// <summary>Opens the journal for appending after <paramref name="validBytes"/> (what <see cref="Replay"/> accepted; the rest is cut).</summary>
    public static CrdtJournal Open(string directory, long validBytes, Action<ulong> onDurable)
    {
        var stream = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        stream.SetLength(validBytes);
        stream.Position = validBytes;
        stream.Flush(flushToDisk: true);
        return new CrdtJournal(stream, onDurable);
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
    public Task AppendAsync(byte[] payload, ulong localSequence)
    {
        var append = new Append(payload, localSequence, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_appends.Writer.TryWrite(append))
        {
            return Task.FromException(new ObjectDisposedException(nameof(CrdtJournal)));
        }
        return append.Done.Task;
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
            while (reader.TryRead(out var append))
            {
                batch.Add(append);
            }
            try
            {
                ulong durable = 0;
                foreach (var append in batch)
                {
                    WriteFrame(_stream, append.Payload);
                    durable = Math.Max(durable, append.LocalSequence);
                }
                _stream.Flush(flushToDisk: true);
                if (durable != 0)
                {
                    _onDurable(durable);
                }
                foreach (var append in batch)
                {
                    append.Done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                foreach (var append in batch)
                {
                    append.Done.TrySetException(new CrdtStorageException($"The CRDT journal could not be written: {e.Message}", e));
                }
            }
            batch.Clear();
        }
    }

    private static void WriteFrame(Stream stream, byte[] payload)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.Compute(payload));
        stream.Write(header);
        stream.Write(payload);
    }

    private readonly record struct Append(byte[] Payload, ulong LocalSequence, TaskCompletionSource Done);
}

/// <summary>CRC-32 (IEEE 802.3, reflected), table driven.</summary>
internal static class Crc32
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
