using System.Runtime.InteropServices;
using ActorEdge.Serialization;
using Microsoft.Win32.SafeHandles;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// File operations that survive a crash at any point: a record is written to a temporary file in
/// its directory, fsynced, renamed over the record (rename is atomic), and the directory is fsynced
/// so the rename itself is durable. A reader opens either the old or the new file, never a mix.
/// </summary>
internal static partial class DurableFiles
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC (same value on x64 and arm64)

    /// <summary>Writes <paramref name="record"/> followed by <paramref name="rest"/> as <paramref name="path"/>, durably.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> record, ReadOnlySpan<byte> rest = default)
    {
        var temp = string.Concat(path, ".", Guid.NewGuid().ToString("N").AsSpan(0, 12), RecordLayout.TempExtension);
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, record.Length + rest.Length))
            {
                RandomAccess.Write(handle, record, 0);
                RandomAccess.Write(handle, rest, record.Length);
                RandomAccess.FlushToDisk(handle);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Removes <paramref name="path"/> durably; false if it did not exist.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        SyncDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Creates <paramref name="directory"/> and its missing parents up to <paramref name="root"/>, each creation made durable.</summary>
    public static void EnsureDirectory(string root, string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }
        var parent = Path.GetDirectoryName(directory)!;
        if (!string.Equals(directory, root, StringComparison.Ordinal) && parent.Length >= root.Length)
        {
            EnsureDirectory(root, parent);
        }
        Directory.CreateDirectory(directory);
        SyncDirectory(parent);
    }

    /// <summary>Reads the header of <paramref name="path"/>: false when there is no file, an error text when it is not a valid record.</summary>
    public static bool TryReadHeader(string path, out RecordHeader header, out string? error)
    {
        header = default;
        error = null;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        using (handle)
        {
            Span<byte> bytes = stackalloc byte[RecordFormat.HeaderSize];
            var length = RandomAccess.GetLength(handle);
            var read = ReadFully(handle, bytes, 0);
            error = RecordFormat.TryReadHeader(bytes[..read], length, out header);
            return true;
        }
    }

    /// <summary>
    /// Reads a whole record file into <paramref name="buffer"/> (rented from <paramref name="rent"/>):
    /// false when there is no file, an error text when it is not a valid record.
    /// </summary>
    public static bool TryReadRecord(string path, Func<int, byte[]> rent, out RecordHeader header, out byte[] buffer, out int length, out string? error)
    {
        header = default;
        buffer = [];
        length = 0;
        error = null;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        using (handle)
        {
            var fileLength = RandomAccess.GetLength(handle);
            if (fileLength > int.MaxValue)
            {
                error = $"it is {fileLength} bytes long, more than a record can be";
                return true;
            }
            length = (int)fileLength;
            buffer = rent(length);
            var read = ReadFully(handle, buffer.AsSpan(0, length), 0);
            error = Validate(buffer.AsSpan(0, read), out header);
            return true;
        }
    }

    /// <summary>Checks a complete record (header and payload): null when valid, else why not.</summary>
    public static string? Validate(ReadOnlySpan<byte> record, out RecordHeader header)
    {
        var error = RecordFormat.TryReadHeader(record, record.Length, out header);
        if (error is not null)
        {
            return error;
        }
        return Crc32C.Compute(record.Slice(RecordFormat.HeaderSize, header.PayloadLength)) == header.PayloadCrc
            ? null
            : "the payload checksum does not match";
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Flushes a directory's entries (creations, renames, deletions) to disk.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals metadata; a directory cannot be opened for FlushFileBuffers without backup semantics.
        }
        var fd = Open(directory, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
