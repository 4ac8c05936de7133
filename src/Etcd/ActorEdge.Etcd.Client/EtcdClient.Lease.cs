using ActorEdge.Etcd.Protocol;

namespace ActorEdge.Etcd;

public sealed partial class EtcdClient
{
    internal const string LeaseGrantPath = "/etcdserverpb.Lease/LeaseGrant";
    internal const string LeaseRevokePath = "/etcdserverpb.Lease/LeaseRevoke";
    internal const string LeaseKeepAlivePath = "/etcdserverpb.Lease/LeaseKeepAlive";
    internal const string LeaseTimeToLivePath = "/etcdserverpb.Lease/LeaseTimeToLive";

    /// <summary>Grants a lease of <paramref name="ttl"/> (whole seconds, at least etcd's minimum); returns its id.</summary>
    /// <remarks>A lease is granted by the leader; keys attached to it are deleted when it expires or is revoked.</remarks>
    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var response = await CallAsync(LeaseGrantPath, new LeaseGrantRequest { TTL = seconds }, LeaseGrantResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error))
        {
            throw new EtcdException($"etcd refused to grant a lease of {seconds} s: {response.Error}");
        }
        return response.ID;
    }

    /// <summary>Revokes a lease, deleting its keys. Revoking a lease that no longer exists is not an error.</summary>
    public async Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync(LeaseRevokePath, new LeaseRevokeRequest { ID = leaseId }, LeaseRevokeResponse.Parser, CallKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e) when (e.Status == GrpcStatusCode.NotFound)
        {
        }
    }

    /// <summary>The remaining time of a lease (negative when it does not exist), and its keys when asked.</summary>
    public async Task<EtcdLeaseTimeToLive> LeaseTimeToLiveAsync(long leaseId, bool keys = false, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(LeaseTimeToLivePath, new LeaseTimeToLiveRequest { ID = leaseId, Keys = keys }, LeaseTimeToLiveResponse.Parser, CallKind.LinearizableRead, cancellationToken).ConfigureAwait(false);
        return new EtcdLeaseTimeToLive(response.ID, TimeSpan.FromSeconds(response.TTL), TimeSpan.FromSeconds(response.GrantedTTL), response.Keys.Select(k => k.ToStringUtf8()).ToArray());
    }

    /// <summary>
    /// Keeps a lease alive over a keep-alive stream (renewing at a third of its TTL, moving to
    /// another member when one fails) until disposed. <see cref="EtcdLeaseKeepAlive.Lost"/> is
    /// cancelled when the lease expired or could not be renewed before its deadline.
    /// </summary>
    public EtcdLeaseKeepAlive KeepAlive(long leaseId, TimeSpan ttl) => new(this, leaseId, ttl);
}
