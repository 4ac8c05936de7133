using System.Diagnostics.CodeAnalysis;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Migration;

/// <summary>The keyed values a migrating activation hands to its successor; both sides of the hand-over use it.</summary>
internal sealed class MigrationContext : IDehydrationContext, IRehydrationContext
{
    private readonly Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public IEnumerable<string> Keys => _values.Keys;

    public int Count => _values.Count;

    public IReadOnlyDictionary<string, byte[]> Values => _values;

    /// <summary>What the storage providers of the grain's states exported for the target (<see cref="IGrainStorageMigration"/>).</summary>
    public List<StorageExport> StorageExports { get; } = [];

    public void AddBytes(string key, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _values[key] = value.ToArray();
    }

    public void AddValue<T>(string key, T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _values[key] = Serializer.SerializeToArray(value);
    }

    public bool TryGetBytes(string key, out ReadOnlyMemory<byte> value)
    {
        if (_values.TryGetValue(key, out var bytes))
        {
            value = bytes;
            return true;
        }
        value = default;
        return false;
    }

    public bool TryGetValue<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_values.TryGetValue(key, out var bytes))
        {
            value = Serializer.Deserialize<T>(bytes)!;
            return true;
        }
        value = default;
        return false;
    }

    public void Write(ref Writer w, uint field)
    {
        foreach (var (key, bytes) in _values)
        {
            w.WriteStartObject(field);
            w.WriteFieldHeader(1, WireType.LengthPrefixed);
            w.WriteUtf8(key);
            w.WriteFieldHeader(2, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(bytes);
            w.WriteEndObject();
        }
    }

    /// <summary>Reads one entry written by <see cref="Write"/>.</summary>
    public void ReadEntry(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? key = null;
        byte[]? bytes = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: key = r.ReadUtf8(); break;
                case 2: bytes = r.ReadLengthPrefixed().ToArray(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (key is null || bytes is null)
        {
            throw new SerializationException("A migration context entry lacks its key or value.");
        }
        _values[key] = bytes;
    }

    public void WriteStorageExports(ref Writer w, uint field)
    {
        foreach (var export in StorageExports)
        {
            w.WriteStartObject(field);
            w.WriteFieldHeader(1, WireType.LengthPrefixed);
            w.WriteUtf8(export.StorageName);
            w.WriteFieldHeader(2, WireType.LengthPrefixed);
            w.WriteUtf8(export.StateName);
            if (export.ETag is { } etag)
            {
                w.WriteFieldHeader(3, WireType.LengthPrefixed);
                w.WriteUtf8(etag);
            }
            w.WriteFieldHeader(4, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(export.Bytes.Span);
            w.WriteEndObject();
        }
    }

    /// <summary>Reads one export written by <see cref="WriteStorageExports"/>.</summary>
    public void ReadStorageExport(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? storageName = null, stateName = null, etag = null;
        byte[]? bytes = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: storageName = r.ReadUtf8(); break;
                case 2: stateName = r.ReadUtf8(); break;
                case 3: etag = r.ReadUtf8(); break;
                case 4: bytes = r.ReadLengthPrefixed().ToArray(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (storageName is null || stateName is null || bytes is null)
        {
            throw new SerializationException("A migration's storage export lacks its provider, state name or bytes.");
        }
        StorageExports.Add(new StorageExport(storageName, stateName, etag, bytes));
    }
}

/// <summary>What a storage provider exported for one persistent state of a migrating grain.</summary>
internal sealed record StorageExport(string StorageName, string StateName, string? ETag, ReadOnlyMemory<byte> Bytes);
