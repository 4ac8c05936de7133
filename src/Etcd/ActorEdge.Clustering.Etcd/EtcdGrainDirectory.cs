using System.Runtime.CompilerServices;
using System.Text.Json;
using ActorEdge.Etcd;
using ActorEdge.Runtime.GrainDirectory;

namespace ActorEdge.Clustering.Etcd;

/// <summary>
/// The grain directory in etcd: <c>{prefix}/directory/{grainType}/{key}</c> holds the activation's
/// address (JSON), attached to the registering silo's lease so entries of a dead silo vanish with
/// it. Register-if-absent, compare-and-swap and unregister are transactions on the exact value.
/// Each entry has an index key, <c>{prefix}/directory-index/{silo}/{grainType}/{key}</c> (same
/// value, same lease), written and deleted in the same transactions, so the entries of one silo
/// are found without scanning the directory.
/// </summary>
internal sealed class EtcdGrainDirectory(EtcdSiloLease lease, bool watch = true) : IGrainDirectory, IGrainDirectoryWatcher
{
    private readonly EtcdClient _client = lease.Client;
    private readonly string _prefix = lease.Prefix + "/directory/";
    private readonly string _index = lease.Prefix + "/directory-index/";

    internal string KeyOf(GrainId grainId) => $"{_prefix}{grainId.Type}/{grainId.Key}";

    internal string IndexKeyOf(SiloAddress silo, GrainId grainId) => $"{_index}{silo}/{grainId.Type}/{grainId.Key}";

    public async Task<GrainAddress?> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(address.GrainId);
        var value = Encode(address);
        var leaseId = await lease.GetLeaseIdAsync(cancellationToken).ConfigureAwait(false);
        var put = EtcdOp.Put(key, value, leaseId);
        var putIndex = EtcdOp.Put(IndexKeyOf(address.Silo, address.GrainId), value, leaseId);
        while (true)
        {
            var txn = new EtcdTxn();
            if (previousAddress is not null)
            {
                txn.If(EtcdCompare.Value(key, EtcdCompareResult.Equal, Encode(previousAddress))).Then(put, putIndex);
                if (!previousAddress.Silo.Equals(address.Silo))
                {
                    // etcd refuses two operations on one key in a transaction: same silo, same index key.
                    txn.Then(EtcdOp.Delete(IndexKeyOf(previousAddress.Silo, previousAddress.GrainId)));
                }
            }
            else
            {
                txn.If(EtcdCompare.CreateRevision(key, EtcdCompareResult.Equal, 0)).Then(put, putIndex);
            }
            var result = await _client.TxnAsync(txn.Else(EtcdOp.Get(key)), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return address;
            }
            var kvs = result.Responses[0].Range!.Kvs;
            if (kvs.Count > 0)
            {
                return Decode(address.GrainId, kvs[0].Value.Span);
            }
            if (previousAddress is not null)
            {
                // A swap never registers over a missing entry (see IGrainDirectory.RegisterAsync).
                return null;
            }
            // Registered as absent, then removed before the read: try again.
        }
    }

    public async Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(address.GrainId);
        await _client.TxnAsync(
            new EtcdTxn()
                .If(EtcdCompare.Value(key, EtcdCompareResult.Equal, Encode(address)))
                .Then(EtcdOp.Delete(key), EtcdOp.Delete(IndexKeyOf(address.Silo, address.GrainId))),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var kv = await _client.GetValueAsync(KeyOf(grainId), serializable: false, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Decode(grainId, kv.Value.Span);
    }

    public async Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        // Entries of a dead silo vanish with its lease; this removes them sooner (a silo declared
        // dead by others may still be renewing). Its index lists them: O(its entries), not O(directory).
        var removals = new List<Task>();
        foreach (var silo in silos)
        {
            var siloIndex = $"{_index}{silo}/";
            var indexed = await _client.GetAsync(siloIndex, new EtcdGetOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
            foreach (var kv in indexed.Kvs)
            {
                var indexKey = kv.KeyString;
                var key = _prefix + indexKey[siloIndex.Length..];
                // The entry goes only if it still names this activation; the index key goes either way.
                removals.Add(_client.TxnAsync(
                    new EtcdTxn()
                        .If(EtcdCompare.Value(key, EtcdCompareResult.Equal, kv.Value))
                        .Then(EtcdOp.Delete(key), EtcdOp.Delete(indexKey))
                        .Else(EtcdOp.Delete(indexKey)),
                    cancellationToken));
            }
        }
        await Task.WhenAll(removals).ConfigureAwait(false);
    }

    /// <summary>Every change of an entry, from the moment the watch is in place; nothing when watching is off.</summary>
    public async IAsyncEnumerable<GrainDirectoryChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!watch)
        {
            yield break;
        }
        var watcher = await _client.WatchAsync(_prefix, new EtcdWatchOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var e in watcher.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (TryParseGrainId(e.Kv.KeyString, out var grainId))
                {
                    yield return new GrainDirectoryChange(grainId, e.Type == EtcdEventType.Delete ? null : Decode(grainId, e.Kv.Value.Span));
                }
            }
        }
        finally
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
        // Only a disposed client ends a watch unasked: make the runtime subscribe again.
        cancellationToken.ThrowIfCancellationRequested();
        throw new EtcdException("The etcd watch of the grain directory ended.");
    }

    /// <summary>The stored form; deterministic, so a value comparison in etcd compares addresses.</summary>
    internal static byte[] Encode(GrainAddress address) => JsonSerializer.SerializeToUtf8Bytes(new StoredAddress(address.Silo.ToString(), address.ActivationId));

    private bool TryParseGrainId(string key, out GrainId grainId)
    {
        // {prefix}{grainType}/{key}: grain types contain no '/', keys may.
        var slash = key.IndexOf('/', _prefix.Length);
        if (slash < 0)
        {
            grainId = default;
            return false;
        }
        grainId = new GrainId(key[_prefix.Length..slash], key[(slash + 1)..]);
        return true;
    }

    private static GrainAddress Decode(GrainId grainId, ReadOnlySpan<byte> value)
    {
        var stored = JsonSerializer.Deserialize<StoredAddress>(value) ?? throw new FormatException("An etcd directory entry is empty.");
        return new GrainAddress(grainId, SiloAddress.Parse(stored.Silo), stored.ActivationId);
    }

    private sealed record StoredAddress(string Silo, long ActivationId);
}
