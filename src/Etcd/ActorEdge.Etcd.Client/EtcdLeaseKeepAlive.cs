using ActorEdge.Etcd.Grpc;
using ActorEdge.Etcd.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Etcd;

/// <summary>
/// Keeps one lease alive. Stopping (dispose) does not revoke the lease: it then expires after
/// its TTL, exactly as if the process had died. Call <see cref="RevokeAsync"/> to end it at once.
/// </summary>
public sealed partial class EtcdLeaseKeepAlive : IAsyncDisposable, IDisposable
{
    private readonly EtcdClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;
    private long _deadlineTimestamp;

    internal EtcdLeaseKeepAlive(EtcdClient client, long leaseId, TimeSpan ttl)
    {
        _client = client;
        LeaseId = leaseId;
        Ttl = ttl;
        _deadlineTimestamp = client.TimeProvider.GetTimestamp() + (long)(ttl.TotalSeconds * client.TimeProvider.TimestampFrequency);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The lease.</summary>
    public long LeaseId { get; }

    /// <summary>The lease's TTL.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Cancelled when the lease is gone (expired, revoked, or not renewed in time): its keys are deleted.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Whether the lease is gone.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>How many renewals etcd acknowledged.</summary>
    public long Renewals { get; private set; }

    /// <summary>Stops renewing and revokes the lease, deleting its keys.</summary>
    public async Task RevokeAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await _client.RevokeLeaseAsync(LeaseId, cancellationToken).ConfigureAwait(false);
        await _lost.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Stops renewing (the lease then expires after its TTL).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync()
    {
        var time = _client.TimeProvider;
        var interval = TimeSpan.FromTicks(Math.Max(Ttl.Ticks / 3, TimeSpan.FromMilliseconds(100).Ticks));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _client.Disposing);
        var stopping = linked.Token;
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            var channel = _client.SelectChannel(CallKind.IdempotentWrite);
            GrpcDuplexCall<LeaseKeepAliveResponse>? call = null;
            try
            {
                var token = await _client.GetTokenAsync(stopping).ConfigureAwait(false);
                call = channel.Duplex(EtcdClient.LeaseKeepAlivePath, LeaseKeepAliveResponse.Parser, token, requireLeader: true);
                while (!stopping.IsCancellationRequested)
                {
                    var sent = time.GetTimestamp();
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    timeout.CancelAfter(interval);
                    await call.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, timeout.Token).ConfigureAwait(false);
                    var response = await call.ReadAsync(timeout.Token).ConfigureAwait(false)
                        ?? throw new GrpcCallException(GrpcStatusCode.Unavailable, "the keep-alive stream ended", notSent: false);
                    if (response.TTL <= 0)
                    {
                        LogWarningLeaseExpired(_client.Logger, LeaseId);
                        await _lost.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                    Volatile.Write(ref _deadlineTimestamp, sent + (long)(response.TTL * time.TimestampFrequency));
                    Renewals++;
                    attempt = 0;
                    await Task.Delay(interval, time, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is GrpcCallException or EtcdException or OperationCanceledException)
            {
                _client.NextChannel(channel);
                if (time.GetTimestamp() >= Volatile.Read(ref _deadlineTimestamp))
                {
                    LogWarningLeaseNotRenewed(_client.Logger, LeaseId, e.Message);
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                try
                {
                    await Task.Delay(EtcdClient.Backoff(attempt++), time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                if (call is not null)
                {
                    await call.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd lease {LeaseId} expired")]
    private static partial void LogWarningLeaseExpired(ILogger logger, long leaseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd lease {LeaseId} could not be renewed before its deadline: {Reason}")]
    private static partial void LogWarningLeaseNotRenewed(ILogger logger, long leaseId, string reason);
}
