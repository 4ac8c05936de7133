using System.Collections.Concurrent;
using System.Globalization;
using ActorEdge.Etcd;

namespace ActorEdge.Persistence.Etcd;

// Checked local reads (Replicated mode's reads, NodeLocal mode's migration exports). A serializable read is answered by the contacted member
// (the local one first) from what it has applied, without asking the leader; its response header
// carries the member's store revision at the time of the read. The activation's ETag is the mod
// revision of the last version of the record it wrote, read or received in a hand-over, and with
// one activation per grain no one else writes the record. So when the member's revision is at
// least the ETag, the member has applied that version and everything before it, and the record it
// returns is the latest one: the read is as good as a linearizable one. Otherwise (lagging member,
// no ETag because the activation is fresh, or the last write's outcome is unknown or was refused)
// the read is linearizable. Should something outside ActorEdge write the key anyway, a stale local
// read can only lead to a write with a stale ETag, which the write's compare refuses.
internal sealed partial class EtcdGrainStorage
{
    // Keys whose stored revision may be above the activation's ETag (a write or clear failed, its
    // outcome unknown or refused): their next read is linearizable. Bounded by failures, not by grains.
    private readonly ConcurrentDictionary<string, byte> _unbounded = new(StringComparer.Ordinal);
    private long _localReads;
    private long _linearizableReads;

    /// <summary>Reads served by a member from its applied state after the revision check.</summary>
    internal long LocalReads => Interlocked.Read(ref _localReads);

    /// <summary>Reads sent as linearizable because a local read could not be proven fresh.</summary>
    internal long LinearizableReads => Interlocked.Read(ref _linearizableReads);

    internal async Task<EtcdKeyValue?> ReadCheckedAsync(string key, string? etag, CancellationToken cancellationToken)
    {
        if (etag is not null && !_unbounded.ContainsKey(key)
            && long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var lowerBound) && lowerBound > 0)
        {
            EtcdRangeResult? local = null;
            try
            {
                local = await _client.GetAsync(key, LocalGet, cancellationToken).ConfigureAwait(false);
            }
            catch (EtcdUnavailableException)
            {
                // The member is down or slow: the linearizable read below finds another way.
            }
            if (local is not null && local.Revision >= lowerBound)
            {
                Interlocked.Increment(ref _localReads);
                return local.Kvs.Count == 0 ? null : local.Kvs[0];
            }
        }
        var result = await _client.GetAsync(key, null, cancellationToken).ConfigureAwait(false);
        if (etag is not null)
        {
            // The owner's read (it holds the record's version): its ETag is now the stored revision.
            // A read without one, such as another grain's read of this record, leaves the owner's bound forgotten.
            _unbounded.TryRemove(key, out _);
        }
        Interlocked.Increment(ref _linearizableReads);
        return result.Kvs.Count == 0 ? null : result.Kvs[0];
    }

    /// <summary>Whether the key's stored revision may be above the activation's ETag, so its next read is linearizable.</summary>
    internal bool IsUnbounded(string key) => !_unbounded.IsEmpty && _unbounded.ContainsKey(key);

    // Only the migration modes read checked. A write that succeeds makes the ETag the stored revision again.
    internal void ForgetLowerBound(string key)
    {
        if (_options.Migration != EtcdMigrationMode.None)
        {
            _unbounded.TryAdd(key, 0);
        }
    }

    private void RestoreLowerBound(string key)
    {
        if (!_unbounded.IsEmpty)
        {
            _unbounded.TryRemove(key, out _);
        }
    }

    private static readonly EtcdGetOptions LocalGet = new() { Serializable = true };
}
