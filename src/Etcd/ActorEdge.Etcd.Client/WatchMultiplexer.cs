using ActorEdge.Etcd.Grpc;
using ActorEdge.Etcd.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Etcd;

/// <summary>
/// The client's single watch stream and the watches multiplexed on it (client-chosen watch
/// ids, etcd 3.4+). On a broken stream it reconnects with back-off, moving to the next member, and
/// re-creates every watch from its next undelivered revision.
/// </summary>
internal sealed partial class WatchMultiplexer(EtcdClient client) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, EtcdWatcher> _watchers = [];
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(client.Disposing);
    private GrpcDuplexCall<WatchResponse>? _call;
    private int _generation;
    private long _nextId;
    private Task? _loop;

    public async Task<EtcdWatcher> WatchAsync(string key, EtcdWatchOptions options, CancellationToken cancellationToken)
    {
        var template = new WatchCreateRequest { Key = EtcdCompare.Utf8(key), StartRevision = options.StartRevision, PrevKv = options.PrevKv };
        if (options.Prefix)
        {
            template.RangeEnd = EtcdClient.PrefixEnd(template.Key);
        }
        GrpcDuplexCall<WatchResponse>? sendOn = null;
        EtcdWatcher watcher;
        lock (_lock)
        {
            watcher = new EtcdWatcher(this, ++_nextId, template);
            template.WatchId = watcher.Id;
            _watchers[watcher.Id] = watcher;
            if (_call is not null)
            {
                watcher.Generation = _generation;
                sendOn = _call;
            }
            _loop ??= Task.Run(RunAsync);
        }
        if (sendOn is not null)
        {
            try
            {
                await sendOn.WriteAsync(new WatchRequest { CreateRequest = watcher.CreateRequest() }, cancellationToken).ConfigureAwait(false);
            }
            catch (GrpcCallException)
            {
                // The stream is breaking: the reconnect re-creates this watch with the others.
            }
        }
        try
        {
            await watcher.Created.Task.WaitAsync(client.Options.RequestTimeout, client.TimeProvider, cancellationToken).ConfigureAwait(false);
            return watcher;
        }
        catch (Exception e)
        {
            await CancelAsync(watcher).ConfigureAwait(false);
            if (e is TimeoutException)
            {
                throw new EtcdUnavailableException($"etcd did not confirm the watch of '{key}' within {client.Options.RequestTimeout}", mayHaveBeenApplied: false, GrpcStatusCode.DeadlineExceeded, e);
            }
            throw;
        }
    }

    public async ValueTask CancelAsync(EtcdWatcher watcher)
    {
        GrpcDuplexCall<WatchResponse>? call;
        lock (_lock)
        {
            if (!_watchers.Remove(watcher.Id))
            {
                return;
            }
            call = _call;
        }
        watcher.Complete(null);
        if (call is not null)
        {
            try
            {
                await call.WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = watcher.Id } }, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is GrpcCallException or OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        EtcdWatcher[] remaining;
        lock (_lock)
        {
            remaining = [.. _watchers.Values];
            _watchers.Clear();
        }
        foreach (var watcher in remaining)
        {
            watcher.Complete(null);
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stop.Token;
        var attempt = 0;
        GrpcChannel? failed = null;
        while (!stopping.IsCancellationRequested)
        {
            var channel = failed is null ? client.SelectChannel(CallKind.Read) : client.NextChannel(failed);
            GrpcDuplexCall<WatchResponse>? call = null;
            try
            {
                var token = await client.GetTokenAsync(stopping).ConfigureAwait(false);
                call = channel.Duplex(EtcdClient.WatchPath, WatchResponse.Parser, token, requireLeader: true);
                var toCreate = new List<EtcdWatcher>();
                lock (_lock)
                {
                    _generation++;
                    _call = call;
                    foreach (var watcher in _watchers.Values)
                    {
                        watcher.Generation = _generation;
                        toCreate.Add(watcher);
                    }
                }
                foreach (var watcher in toCreate)
                {
                    if (attempt > 0 || watcher.Created.Task.IsCompleted)
                    {
                        watcher.Resumptions++;
                    }
                    await call.WriteAsync(new WatchRequest { CreateRequest = watcher.CreateRequest() }, stopping).ConfigureAwait(false);
                }
                while (true)
                {
                    var response = await call.ReadAsync(stopping).ConfigureAwait(false)
                        ?? throw new GrpcCallException(GrpcStatusCode.Unavailable, "the watch stream ended", notSent: false);
                    attempt = 0;
                    failed = null;
                    Dispatch(response);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is GrpcCallException or EtcdException)
            {
                LogDebugWatchStreamBroken(client.Logger, channel.Address, e.Message);
                failed = channel;
                lock (_lock)
                {
                    if (ReferenceEquals(_call, call))
                    {
                        _call = null;
                    }
                }
            }
            finally
            {
                if (call is not null)
                {
                    await call.DisposeAsync().ConfigureAwait(false);
                }
            }
            try
            {
                await Task.Delay(EtcdClient.Backoff(attempt++), client.TimeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Dispatch(WatchResponse response)
    {
        EtcdWatcher? watcher;
        lock (_lock)
        {
            _watchers.TryGetValue(response.WatchId, out watcher);
        }
        if (watcher is null)
        {
            return;
        }
        if (response.Created && Interlocked.Read(ref watcher.NextRevision) == 0)
        {
            // A watch "from now" resumes after the revision it was created at.
            Interlocked.Exchange(ref watcher.NextRevision, response.Header.Revision + 1);
        }
        if (response.Canceled)
        {
            lock (_lock)
            {
                _watchers.Remove(watcher.Id);
            }
            watcher.Complete(response.CompactRevision != 0
                ? new EtcdCompactedException(response.CompactRevision, Interlocked.Read(ref watcher.NextRevision))
                : new EtcdException($"etcd cancelled the watch: {(string.IsNullOrEmpty(response.CancelReason) ? "no reason given" : response.CancelReason)}"));
            return;
        }
        if (response.Created)
        {
            watcher.Created.TrySetResult();
        }
        if (response.Events.Count > 0)
        {
            watcher.Deliver(response);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "etcd watch stream to {Endpoint} broke ({Reason}); reconnecting")]
    private static partial void LogDebugWatchStreamBroken(ILogger logger, Uri endpoint, string reason);
}
