using System.Text.Json;
using ActorEdge.Etcd;
using ActorEdge.Runtime.GrainDirectory;

namespace ActorEdge.Clustering.Etcd;

/// <summary>
/// The grain directory in etcd: <c>{prefix}/directory/{grainType}/{key}</c> holds the activation's
/// address (JSON), attached to the registering silo's lease so entries of a dead silo vanish with
/// it. Register-if-absent, compare-and-swap and unregister are transactions on the exact value.
/// </summary>
internal sealed class EtcdGrainDirectory(EtcdSiloLease lease) : IGrainDirectory
{
    private readonly EtcdClient _client = lease.Client;
    private readonly string _prefix = lease.Prefix + "/directory/";

    internal string KeyOf(GrainId grainId) => $"{_prefix}{grainId.Type}/{grainId.Key}";

    public async Task<GrainAddress> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(address.GrainId);
        var value = Encode(address);
        var leaseId = await lease.GetLeaseIdAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var guard = previousAddress is not null && attempt == 0
                ? EtcdCompare.Value(key, EtcdCompareResult.Equal, Encode(previousAddress))
                : EtcdCompare.CreateRevision(key, EtcdCompareResult.Equal, 0);
            var result = await _client.TxnAsync(new EtcdTxn().If(guard).Then(EtcdOp.Put(key, value, leaseId)).Else(EtcdOp.Get(key)), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return address;
            }
            var kvs = result.Responses[0].Range!.Kvs;
            if (kvs.Count > 0)
            {
                return Decode(address.GrainId, kvs[0].Value.Span);
            }
            // The swap found no entry at all: register it as absent on the next pass.
        }
    }

    public async Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(address.GrainId);
        await _client.TxnAsync(new EtcdTxn().If(EtcdCompare.Value(key, EtcdCompareResult.Equal, Encode(address))).Then(EtcdOp.Delete(key)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var kv = await _client.GetValueAsync(KeyOf(grainId), serializable: false, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Decode(grainId, kv.Value.Span);
    }

    public async Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        if (silos.Count == 0)
        {
            return;
        }
        // Entries of a dead silo vanish with its lease; this removes them sooner (a silo declared
        // dead by others may still be renewing). Each removal is guarded by the entry's revision.
        var dead = new HashSet<string>(silos.Select(s => s.ToString()), StringComparer.Ordinal);
        var all = await _client.GetAsync(_prefix, new EtcdGetOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
        var removals = new List<Task>();
        foreach (var kv in all.Kvs)
        {
            var stored = JsonSerializer.Deserialize<StoredAddress>(kv.Value.Span);
            if (stored is not null && dead.Contains(stored.Silo))
            {
                var key = kv.KeyString;
                removals.Add(_client.TxnAsync(new EtcdTxn().If(EtcdCompare.ModRevision(key, EtcdCompareResult.Equal, kv.ModRevision)).Then(EtcdOp.Delete(key)), cancellationToken));
            }
        }
        await Task.WhenAll(removals).ConfigureAwait(false);
    }

    /// <summary>The stored form; deterministic, so a value comparison in etcd compares addresses.</summary>
    internal static byte[] Encode(GrainAddress address) => JsonSerializer.SerializeToUtf8Bytes(new StoredAddress(address.Silo.ToString(), address.ActivationId));

    private static GrainAddress Decode(GrainId grainId, ReadOnlySpan<byte> value)
    {
        var stored = JsonSerializer.Deserialize<StoredAddress>(value) ?? throw new FormatException("An etcd directory entry is empty.");
        return new GrainAddress(grainId, SiloAddress.Parse(stored.Silo), stored.ActivationId);
    }

    private sealed record StoredAddress(string Silo, long ActivationId);
}
