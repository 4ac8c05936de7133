using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorEdge.Etcd;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Clustering.Etcd;

/// <summary>
/// Membership in etcd. Per silo: <c>{prefix}/members/{address}</c> holds its entry (JSON, no
/// lease, so it outlives the silo as a record), <c>{prefix}/alive/{address}</c> is attached to the
/// silo's lease, and <c>{prefix}/dead/{address}</c> marks it dead for good. A silo whose lease
/// expired (its alive key is gone) is reported <see cref="SiloStatus.Dead"/>, and its next upsert
/// throws <see cref="SiloDeclaredDeadException"/>.
/// </summary>
internal sealed class EtcdMembershipTable(EtcdSiloLease lease, TimeProvider timeProvider) : IMembershipTable
{
    private readonly EtcdClient _client = lease.Client;
    private readonly string _members = lease.Prefix + "/members/";
    private readonly string _alive = lease.Prefix + "/alive/";
    private readonly string _dead = lease.Prefix + "/dead/";

    public async Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        // One linearizable range over the three subtrees gives a consistent snapshot.
        var all = await _client.GetAsync(lease.Prefix + "/", new EtcdGetOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
        var alive = new HashSet<string>(StringComparer.Ordinal);
        var dead = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<(string Address, SiloEntry Entry)>();
        foreach (var kv in all.Kvs)
        {
            var key = kv.KeyString;
            if (key.StartsWith(_alive, StringComparison.Ordinal))
            {
                alive.Add(key[_alive.Length..]);
            }
            else if (key.StartsWith(_dead, StringComparison.Ordinal))
            {
                dead.Add(key[_dead.Length..]);
            }
            else if (key.StartsWith(_members, StringComparison.Ordinal))
            {
                entries.Add((key[_members.Length..], Decode(kv.Value.Span)));
            }
        }
        var result = new List<SiloEntry>(entries.Count);
        foreach (var (address, entry) in entries)
        {
            result.Add(dead.Contains(address) || !alive.Contains(address) ? entry with { Status = SiloStatus.Dead } : entry);
        }
        return result;
    }

    public async Task UpsertAsync(SiloEntry entry, CancellationToken cancellationToken = default)
    {
        var address = entry.Address.ToString();
        var memberKey = _members + address;
        var aliveKey = _alive + address;
        var deadKey = _dead + address;
        var value = Encode(entry with { LastHeartbeat = timeProvider.GetUtcNow() });
        var leaseId = await lease.GetLeaseIdAsync(cancellationToken).ConfigureAwait(false);
        var noDeadMarker = EtcdCompare.CreateRevision(deadKey, EtcdCompareResult.Equal, 0);

        // A live silo: not marked dead and its lease-bound key still there.
        var renew = await _client.TxnAsync(
            new EtcdTxn()
                .If(noDeadMarker, EtcdCompare.Version(aliveKey, EtcdCompareResult.Greater, 0))
                .Then(EtcdOp.Put(memberKey, value), EtcdOp.Put(aliveKey, Array.Empty<byte>(), leaseId))
                .Else(EtcdOp.Get(deadKey), EtcdOp.Get(memberKey)),
            cancellationToken).ConfigureAwait(false);
        if (renew.Succeeded)
        {
            return;
        }
        if (renew.Responses[0].Range!.Kvs.Count == 0 && renew.Responses[1].Range!.Kvs.Count == 0)
        {
            // A silo joining: neither recorded nor marked dead.
            var join = await _client.TxnAsync(
                new EtcdTxn()
                    .If(noDeadMarker, EtcdCompare.CreateRevision(memberKey, EtcdCompareResult.Equal, 0))
                    .Then(EtcdOp.Put(memberKey, value), EtcdOp.Put(aliveKey, Array.Empty<byte>(), leaseId)),
                cancellationToken).ConfigureAwait(false);
            if (join.Succeeded)
            {
                return;
            }
        }
        // Marked dead, or recorded but its lease expired: dead for good.
        await MarkDeadAsync(entry.Address, cancellationToken).ConfigureAwait(false);
        throw new SiloDeclaredDeadException(entry.Address);
    }

    public async Task MarkDeadAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        var address = silo.ToString();
        await _client.TxnAsync(
            new EtcdTxn().Then(
                EtcdOp.Put(_dead + address, Encoding.UTF8.GetBytes(timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))),
                EtcdOp.Delete(_alive + address)),
            cancellationToken).ConfigureAwait(false);
    }

    internal static byte[] Encode(SiloEntry entry) => JsonSerializer.SerializeToUtf8Bytes(new StoredEntry(
        entry.Address.ToString(), entry.SiloName, entry.NodeName, entry.Zone, entry.Status.ToString(), entry.LastHeartbeat.ToUnixTimeMilliseconds()));

    internal static SiloEntry Decode(ReadOnlySpan<byte> value)
    {
        var stored = JsonSerializer.Deserialize<StoredEntry>(value) ?? throw new FormatException("An etcd membership entry is empty.");
        return new SiloEntry(
            SiloAddress.Parse(stored.Address), stored.SiloName, stored.NodeName, stored.Zone,
            Enum.Parse<SiloStatus>(stored.Status), DateTimeOffset.FromUnixTimeMilliseconds(stored.LastHeartbeatMs));
    }

    /// <summary>The stored form: JSON, so <c>etcdctl get --prefix</c> shows it as is.</summary>
    private sealed record StoredEntry(string Address, string SiloName, string NodeName, string? Zone, string Status, long LastHeartbeatMs);
}
