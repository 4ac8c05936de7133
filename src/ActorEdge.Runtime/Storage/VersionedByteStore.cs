using System.Collections.Concurrent;
using System.Globalization;

namespace ActorEdge.Runtime.Storage;

/// <summary>
/// Bytes under keys with a version each, and compare-and-set on that version: the core of the
/// memory provider, also served by the development primary silo to the other silos. The
/// ETag is the version in decimal, drawn from one counter for the whole store, so an ETag is
/// never reused, not even for a record recreated after a clear.
/// </summary>
internal sealed class VersionedByteStore
{
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);
    // Per-record versions restarting at 1 after a clear would let a writer holding the ETag of
    // the cleared record overwrite its successor (ABA): versions come from this counter instead.
    private long _lastVersion;

    public bool TryRead(string key, out byte[] data, out string etag)
    {
        if (_records.TryGetValue(key, out var record))
        {
            data = record.Data;
            etag = record.ETag;
            return true;
        }
        data = [];
        etag = string.Empty;
        return false;
    }

    /// <summary>Writes if the stored ETag equals <paramref name="expectedEtag"/> (null: no record). Returns the new ETag, or throws.</summary>
    public string Write(string key, byte[] data, string? expectedEtag)
    {
        while (true)
        {
            _records.TryGetValue(key, out var current);
            if (!string.Equals(current?.ETag, expectedEtag, StringComparison.Ordinal))
            {
                throw new InconsistentStateException($"Write of {key} refused: the ETag is stale", current?.ETag, expectedEtag);
            }
            var version = Interlocked.Increment(ref _lastVersion);
            var next = new Record(data, version.ToString(CultureInfo.InvariantCulture));
            if (current is null ? _records.TryAdd(key, next) : _records.TryUpdate(key, next, current))
            {
                return next.ETag;
            }
        }
    }

    /// <summary>Removes the record if the stored ETag equals <paramref name="expectedEtag"/>, or throws.</summary>
    public void Clear(string key, string? expectedEtag)
    {
        while (true)
        {
            _records.TryGetValue(key, out var current);
            if (!string.Equals(current?.ETag, expectedEtag, StringComparison.Ordinal))
            {
                throw new InconsistentStateException($"Clear of {key} refused: the ETag is stale", current?.ETag, expectedEtag);
            }
            if (current is null || _records.TryRemove(new KeyValuePair<string, Record>(key, current)))
            {
                return;
            }
        }
    }

    private sealed record Record(byte[] Data, string ETag);
}
