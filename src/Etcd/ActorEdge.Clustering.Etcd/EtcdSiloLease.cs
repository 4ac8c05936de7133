using ActorEdge.Etcd;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Clustering.Etcd;

/// <summary>
/// The silo's connection to etcd and its one lease, shared by membership and the grain directory:
/// the silo's liveness key and the directory entries it registers are attached to it, so they
/// vanish together when the silo stops renewing it. Disposing stops renewal without revoking,
/// as a crash would; the lease then expires after its TTL.
/// </summary>
internal sealed partial class EtcdSiloLease : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TimeSpan _ttl;
    private readonly ILogger _logger;
    private readonly bool _ownsClient;
    private EtcdLeaseKeepAlive? _keepAlive;

    public EtcdSiloLease(EtcdClient client, string prefix, TimeSpan ttl, ILogger logger, bool ownsClient = true)
    {
        Client = client;
        Prefix = prefix;
        _ttl = ttl;
        _logger = logger;
        _ownsClient = ownsClient;
    }

    public EtcdClient Client { get; }

    public string Prefix { get; }

    /// <summary>Whether the lease was granted and has since been lost.</summary>
    public bool IsLost => _keepAlive?.IsLost == true;

    /// <summary>The lease id, granting it (and starting keep-alive) on first use. Never replaced once lost.</summary>
    public async ValueTask<long> GetLeaseIdAsync(CancellationToken cancellationToken)
    {
        if (_keepAlive is { } current)
        {
            return current.LeaseId;
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_keepAlive is null)
            {
                var id = await Client.GrantLeaseAsync(_ttl, cancellationToken).ConfigureAwait(false);
                _keepAlive = Client.KeepAlive(id, _ttl);
                LogInformationLeaseGranted(_logger, id, _ttl);
            }
            return _keepAlive.LeaseId;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
        }
        if (_ownsClient)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [LoggerMessage(Level = LogLevel.Information, Message = "etcd lease {LeaseId} granted for this silo (TTL {Ttl})")]
    private static partial void LogInformationLeaseGranted(ILogger logger, long leaseId, TimeSpan ttl);
}
