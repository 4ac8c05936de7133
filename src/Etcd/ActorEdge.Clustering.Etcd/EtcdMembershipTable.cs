using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ActorEdge.Etcd;
using ActorEdge.Runtime.Membership;

namespace ActorEdge.Clustering.Etcd;

/// <summary>
/// Membership in etcd. Per silo: <c>{prefix}/members/{address}</c> holds its entry (JSON, no
/// lease, so it outlives the silo as a record), <c>{prefix}/alive/{address}</c> is attached to the
/// silo's lease, and <c>{prefix}/dead/{address}</c> marks it dead for good. A silo whose lease
/// expired (its alive key is gone) is reported <see cref="SiloStatus.Dead"/>, and its next upsert
/// throws <see cref="SiloDeclaredDeadException"/>. Silos watch <c>alive/</c> and <c>members/</c>, so a
/// join, a status change or a lost lease reaches them within a watch round trip. The keys of a
/// silo dead for longer than <paramref name="defunctRetention"/> are deleted by whichever silo reads them.
/// </summary>
internal sealed class EtcdMembershipTable(EtcdSiloLease lease, TimeProvider timeProvider, TimeSpan? defunctRetention = null) : IMembershipTable, IMembershipTableWatcher
{
    private readonly EtcdClient _client = lease.Client;
    private readonly string _members = lease.Prefix + "/members/";
    private readonly string _alive = lease.Prefix + "/alive/";
    private readonly string _dead = lease.Prefix + "/dead/";
    private readonly TimeSpan _defunctRetention = defunctRetention ?? EtcdClusteringOptions.DefaultDefunctSiloRetention;

    // Addresses this table joined: they only renew afterwards, so a silo whose keys were cleaned
    // up after its death can never join again under the same address.
    private readonly HashSet<string> _joined = [];

    public async Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        // One linearizable range over the three subtrees gives a consistent snapshot.
        var all = await _client.GetAsync(lease.Prefix + "/", new EtcdGetOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
        var alive = new HashSet<string>(StringComparer.Ordinal);
        var dead = new Dictionary<string, EtcdKeyValue>(StringComparer.Ordinal);
        var entries = new List<(string Address, SiloEntry Entry, EtcdKeyValue Kv)>();
        foreach (var kv in all.Kvs)
        {
            var key = kv.KeyString;
            if (key.StartsWith(_alive, StringComparison.Ordinal))
            {
                alive.Add(key[_alive.Length..]);
            }
            else if (key.StartsWith(_dead, StringComparison.Ordinal))
            {
                dead[key[_dead.Length..]] = kv;
            }
            else if (key.StartsWith(_members, StringComparison.Ordinal))
            {
                entries.Add((key[_members.Length..], Decode(kv.Value.Span), kv));
            }
        }
        var now = timeProvider.GetUtcNow();
        var result = new List<SiloEntry>(entries.Count);
        List<EtcdTxn>? cleanups = null;
        foreach (var (address, entry, kv) in entries)
        {
            var isDead = dead.Remove(address) || !alive.Contains(address);
            result.Add(isDead ? entry with { Status = SiloStatus.Dead } : entry);
            if (isDead && now - entry.LastHeartbeat > _defunctRetention)
            {
                // Guarded by the entry's revision and the absence of a live key: a concurrent
                // cleanup, or anything that touched the silo since, makes it a no-op.
                (cleanups ??= []).Add(new EtcdTxn()
                    .If(EtcdCompare.ModRevision(_members + address, EtcdCompareResult.Equal, kv.ModRevision), EtcdCompare.CreateRevision(_alive + address, EtcdCompareResult.Equal, 0))
                    .Then(EtcdOp.Delete(_members + address), EtcdOp.Delete(_dead + address)));
            }
        }
        foreach (var (address, kv) in dead)
        {
            // A marker without an entry (a silo marked dead that never joined here).
            if (DateTimeOffset.TryParse(kv.ValueString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var marked) && now - marked > _defunctRetention)
            {
                (cleanups ??= []).Add(new EtcdTxn().If(EtcdCompare.ModRevision(_dead + address, EtcdCompareResult.Equal, kv.ModRevision)).Then(EtcdOp.Delete(_dead + address)));
            }
        }
        if (cleanups is not null)
        {
            await CleanupAsync(cleanups, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// Reports joins (an alive key created), deaths (an alive key deleted: marked dead or its lease
    /// expired) and status changes of member entries; heartbeats, which rewrite both keys with the
    /// same status, are not reported.
    /// </summary>
    public async IAsyncEnumerable<MembershipTableChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = Channel.CreateUnbounded<MembershipTableChange>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var aliveWatch = await _client.WatchAsync(_alive, new EtcdWatchOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
        EtcdWatcher? membersWatch = null;
        Task pumps = Task.CompletedTask;
        try
        {
            membersWatch = await _client.WatchAsync(_members, new EtcdWatchOptions { Prefix = true }, cancellationToken).ConfigureAwait(false);
            var statuses = new Dictionary<string, SiloStatus>(StringComparer.Ordinal);
            pumps = Task.WhenAll(
                PumpAsync(aliveWatch, changes.Writer, e => e.Type == EtcdEventType.Delete || e.Kv.Version == 1 ? ParseAddress(e.Kv.KeyString[_alive.Length..]) : null, stop.Token),
                PumpAsync(membersWatch, changes.Writer, e => StatusChanged(e, statuses), stop.Token));
            // Both watches exist: a read of the table from now on misses nothing.
            yield return default;
            await foreach (var change in changes.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await aliveWatch.DisposeAsync().ConfigureAwait(false);
            if (membersWatch is not null)
            {
                await membersWatch.DisposeAsync().ConfigureAwait(false);
            }
            await pumps.ConfigureAwait(false);
        }
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
        bool joined;
        lock (_joined)
        {
            joined = _joined.Contains(address);
        }

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
        if (!joined && renew.Responses[0].Range!.Kvs.Count == 0 && renew.Responses[1].Range!.Kvs.Count == 0)
        {
            // A silo joining: neither recorded nor marked dead.
            var join = await _client.TxnAsync(
                new EtcdTxn()
                    .If(noDeadMarker, EtcdCompare.CreateRevision(memberKey, EtcdCompareResult.Equal, 0))
                    .Then(EtcdOp.Put(memberKey, value), EtcdOp.Put(aliveKey, Array.Empty<byte>(), leaseId)),
                cancellationToken).ConfigureAwait(false);
            if (join.Succeeded)
            {
                lock (_joined)
                {
                    _joined.Add(address);
                }
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

    private static async Task PumpAsync(EtcdWatcher watcher, ChannelWriter<MembershipTableChange> changes, Func<EtcdWatchEvent, SiloAddress?> classify, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in watcher.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (classify(e) is { } silo)
                {
                    changes.TryWrite(new MembershipTableChange(silo));
                }
            }
            // The watch ended without being asked to (its client was disposed): let the runtime subscribe again.
            changes.TryComplete(cancellationToken.IsCancellationRequested ? null : new EtcdException("The etcd watch of the membership table ended."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            changes.TryComplete();
        }
        catch (Exception e)
        {
            // Compacted history or a watch cancelled by etcd: the runtime polls and subscribes again.
            changes.TryComplete(e);
        }
    }

    private SiloAddress? StatusChanged(EtcdWatchEvent e, Dictionary<string, SiloStatus> statuses)
    {
        var address = e.Kv.KeyString[_members.Length..];
        if (e.Type == EtcdEventType.Delete)
        {
            statuses.Remove(address);
            return null;
        }
        var entry = Decode(e.Kv.Value.Span);
        if (statuses.TryGetValue(address, out var known) && known == entry.Status)
        {
            return null;
        }
        statuses[address] = entry.Status;
        return entry.Address;
    }

    private static SiloAddress? ParseAddress(string address)
    {
        try
        {
            return SiloAddress.Parse(address);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task CleanupAsync(List<EtcdTxn> cleanups, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var txn in cleanups)
            {
                await _client.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (EtcdException)
        {
            // Best effort: the next read tries again.
        }
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
