using ActorEdge.Etcd.Grpc;
using ActorEdge.Etcd.Protocol;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorEdge.Etcd;

/// <summary>
/// An etcd v3 client: KV, transactions, watches, leases, cluster membership and maintenance,
/// over gRPC on HTTP/2. Thread-safe; one instance per process and cluster is enough (calls are
/// multiplexed on HTTP/2 connections).
/// </summary>
/// <remarks>
/// Every call has a deadline (<see cref="EtcdClientOptions.RequestTimeout"/>) covering its
/// retries. Reads and idempotent calls are retried on another member when one fails; writes are
/// retried only when they certainly did not take effect (the connection could not be opened, or
/// etcd answered "no leader"), otherwise they fail with <see cref="EtcdUnavailableException"/>
/// whose <see cref="EtcdUnavailableException.MayHaveBeenApplied"/> is true.
/// </remarks>
public sealed partial class EtcdClient : IAsyncDisposable, IDisposable
{
    private readonly EtcdClientOptions _options;
    private readonly ILogger _logger;
    private readonly GrpcChannel[] _channels;
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private volatile GrpcChannel? _leader;
    private long _leaderTerm;
    private int _preferred;
    private int _discovering;
    private volatile string? _token;
    private WatchMultiplexer? _watches;

    /// <summary>Creates a client; connections open on first use.</summary>
    public EtcdClient(EtcdClientOptions options, ILogger<EtcdClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
        var endpoints = options.Endpoints.Count == 0 ? [new Uri("http://127.0.0.1:2379")] : options.Endpoints;
        _channels = new GrpcChannel[endpoints.Count];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i] = new GrpcChannel(endpoints[i], options);
        }
    }

    /// <summary>Creates a client for the given endpoints with default options.</summary>
    public EtcdClient(params Uri[] endpoints)
        : this(WithEndpoints(endpoints))
    {
    }

    /// <summary>The endpoints, in preference order.</summary>
    public IReadOnlyList<Uri> Endpoints => Array.ConvertAll(_channels, c => c.Address);

    /// <summary>The endpoint writes currently go to: the leader's when known, else the preferred one.</summary>
    public Uri WriteEndpoint => (_leader ?? Preferred).Address;

    internal TimeProvider TimeProvider { get; }

    internal EtcdClientOptions Options => _options;

    internal ILogger Logger => _logger;

    internal CancellationToken Disposing => _disposing.Token;

    private GrpcChannel Preferred => _channels[Volatile.Read(ref _preferred) % _channels.Length];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (_watches is not null)
        {
            await _watches.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// One unary call with deadline, routing, fail-over and the retries <paramref name="kind"/> allows.
    /// </summary>
    internal async Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser, CallKind kind, CancellationToken cancellationToken, GrpcChannel? endpoint = null)
        where TResponse : class, IMessage<TResponse>
    {
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        var size = request.CalculateSize();
        if (size > _options.MaxRequestBytes)
        {
            throw new EtcdRequestTooLargeException(size, _options.MaxRequestBytes);
        }
        var start = TimeProvider.GetTimestamp();
        var attempt = 0;
        var timedOut = 0;
        var reauthenticated = false;
        while (true)
        {
            var channel = endpoint ?? SelectChannel(kind);
            var remaining = _options.RequestTimeout - TimeProvider.GetElapsedTime(start);
            var deadline = _options.AttemptTimeout is { } perAttempt && perAttempt * (1 << timedOut) < remaining
                ? perAttempt * (1 << timedOut)
                : remaining;
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new GrpcCallException(GrpcStatusCode.DeadlineExceeded, $"no response within {_options.RequestTimeout}", notSent: attempt == 0);
                }
                var token = _options.Username is null || path == AuthenticatePath ? null : _token ?? await AuthenticateAsync(null, cancellationToken).ConfigureAwait(false);
                var response = await channel.UnaryAsync(path, request, parser, token, deadline, cancellationToken).ConfigureAwait(false);
                if (response is IHasHeader { Header: { } header })
                {
                    ObserveHeader(channel, header);
                }
                return response;
            }
            catch (GrpcCallException e)
            {
                if (e.Status == GrpcStatusCode.Unauthenticated && _options.Username is not null && !reauthenticated && path != AuthenticatePath)
                {
                    // The token expired or the member restarted: etcd rejected the call before doing anything.
                    reauthenticated = true;
                    await AuthenticateAsync(_token, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (e.Status == GrpcStatusCode.DeadlineExceeded && deadline < remaining)
                {
                    // The next attempt gets twice as long: a call that is merely slow still ends.
                    timedOut = Math.Min(timedOut + 1, 6);
                }
                var retry = CanRetry(e, kind);
                if (retry.SwitchEndpoint && endpoint is null)
                {
                    OnEndpointFailed(channel, e);
                }
                var backoff = Backoff(attempt++);
                if (!retry.Safe || endpoint is not null || TimeProvider.GetElapsedTime(start) + backoff >= _options.RequestTimeout)
                {
                    throw Map(e, kind, path, size);
                }
                LogDebugRetry(_logger, path, channel.Address, e.Status, e.Detail);
                await Task.Delay(backoff, TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal GrpcChannel SelectChannel(CallKind kind)
    {
        if ((kind is CallKind.Write or CallKind.IdempotentWrite or CallKind.LinearizableRead) && _options.RouteToLeader && _channels.Length > 1)
        {
            var leader = _leader;
            if (leader is not null)
            {
                return leader;
            }
            StartLeaderDiscovery();
        }
        return Preferred;
    }

    internal void OnEndpointFailed(GrpcChannel channel, Exception e)
    {
        if (ReferenceEquals(_leader, channel))
        {
            _leader = null;
        }
        var current = Volatile.Read(ref _preferred);
        if (ReferenceEquals(_channels[current % _channels.Length], channel))
        {
            Interlocked.CompareExchange(ref _preferred, (current + 1) % _channels.Length, current);
        }
        LogDebugEndpointFailed(_logger, channel.Address, e.Message);
    }

    internal GrpcChannel NextChannel(GrpcChannel? failed)
    {
        if (failed is not null)
        {
            OnEndpointFailed(failed, new IOException("stream failed"));
        }
        return Preferred;
    }

    internal static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(25 << Math.Min(attempt, 5), 500) + Random.Shared.Next(0, 10));

    internal (bool Safe, bool SwitchEndpoint) CanRetry(GrpcCallException e, CallKind kind)
    {
        if (e.NotSent)
        {
            return (true, true);
        }
        var detail = e.Detail;
        switch (e.Status)
        {
            case GrpcStatusCode.Unavailable:
                // etcd rejects these before proposing anything, so even a write is safe to repeat.
                var rejected = detail.Contains("no leader", StringComparison.Ordinal) || detail.Contains("not capable", StringComparison.Ordinal)
                    || detail.Contains("unhealthy cluster", StringComparison.Ordinal);
                return (rejected || kind != CallKind.Write, true);
            case GrpcStatusCode.ResourceExhausted when detail.Contains("too many requests", StringComparison.Ordinal):
                return (true, false);
            case GrpcStatusCode.Unknown when detail.Contains("raft proposal dropped", StringComparison.Ordinal):
                // The leader refused to append the proposal (a leadership transfer is under way), so
                // it never reached the log: safe to repeat after the back-off, on the same routing
                // (a follower forwards proposals to whichever member leads by then).
                return (true, false);
            case GrpcStatusCode.DeadlineExceeded:
            case GrpcStatusCode.Cancelled:
            case GrpcStatusCode.Internal when detail.StartsWith("gRPC protocol error", StringComparison.Ordinal):
                return (kind != CallKind.Write, true);
            default:
                return (false, false);
        }
    }

    internal EtcdException Map(GrpcCallException e, CallKind kind, string path, int requestBytes)
    {
        var detail = e.Detail;
        switch (e.Status)
        {
            case GrpcStatusCode.ResourceExhausted when detail.Contains("space exceeded", StringComparison.Ordinal):
                return new EtcdNoSpaceException(detail, e);
            case GrpcStatusCode.ResourceExhausted when detail.Contains("larger than max", StringComparison.Ordinal):
            case GrpcStatusCode.InvalidArgument when detail.Contains("request is too large", StringComparison.Ordinal):
                return new EtcdRequestTooLargeException(requestBytes, _options.MaxRequestBytes, e);
            case GrpcStatusCode.OutOfRange when detail.Contains("compacted", StringComparison.Ordinal):
                return new EtcdCompactedException(0, 0, e);
            case GrpcStatusCode.Unauthenticated:
            case GrpcStatusCode.PermissionDenied:
            case GrpcStatusCode.InvalidArgument when detail.Contains("authentication failed", StringComparison.Ordinal):
                return new EtcdAuthenticationException($"etcd refused {path}: {detail}", e.Status, e);
            case GrpcStatusCode.Unavailable:
            case GrpcStatusCode.DeadlineExceeded:
            case GrpcStatusCode.Cancelled:
                var applied = kind == CallKind.Write && !e.NotSent && !CanRetry(e, kind).Safe;
                return new EtcdUnavailableException(
                    $"etcd is unavailable for {path} ({detail}){(applied ? "; the write may have been applied" : string.Empty)}", applied, e.Status, e);
            default:
                return new EtcdException($"etcd call {path} failed: {e.Status}: {detail}", e.Status, e);
        }
    }

    private void ObserveHeader(GrpcChannel channel, ResponseHeader header)
    {
        // A higher Raft term than the one the leader was learned in means an election happened.
        var term = (long)header.RaftTerm;
        var known = Interlocked.Read(ref _leaderTerm);
        if (term > known && known != 0 && _leader is not null)
        {
            _leader = null;
            Interlocked.Exchange(ref _leaderTerm, 0);
        }
    }

    private void StartLeaderDiscovery()
    {
        if (Interlocked.CompareExchange(ref _discovering, 1, 0) == 0)
        {
            _ = Task.Run(DiscoverLeaderAsync);
        }
    }

    private async Task DiscoverLeaderAsync()
    {
        try
        {
            var start = Volatile.Read(ref _preferred);
            for (var i = 0; i < _channels.Length; i++)
            {
                var channel = _channels[(start + i) % _channels.Length];
                try
                {
                    var status = await CallAsync(StatusPath, new StatusRequest(), StatusResponse.Parser, CallKind.Read, _disposing.Token, channel).ConfigureAwait(false);
                    if (status.Leader == 0)
                    {
                        continue;
                    }
                    var members = await CallAsync(MemberListPath, new MemberListRequest(), MemberListResponse.Parser, CallKind.Read, _disposing.Token, channel).ConfigureAwait(false);
                    foreach (var member in members.Members)
                    {
                        if (member.ID == status.Leader && FindChannel(member.ClientURLs) is { } leader)
                        {
                            Interlocked.Exchange(ref _leaderTerm, (long)status.RaftTerm);
                            _leader = leader;
                            LogDebugLeader(_logger, leader.Address, status.RaftTerm);
                            return;
                        }
                    }
                    return;
                }
                catch (EtcdException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _discovering, 0);
        }
    }

    private GrpcChannel? FindChannel(IEnumerable<string> urls)
    {
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                continue;
            }
            foreach (var channel in _channels)
            {
                if (channel.Address.Port == uri.Port && string.Equals(channel.Address.Host, uri.Host, StringComparison.OrdinalIgnoreCase))
                {
                    return channel;
                }
            }
        }
        return null;
    }

    internal GrpcChannel? FindChannel(Uri endpoint) => FindChannel([endpoint.ToString()]);

    internal async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
        _options.Username is null ? null : _token ?? await AuthenticateAsync(null, cancellationToken).ConfigureAwait(false);

    internal async ValueTask<string> AuthenticateAsync(string? stale, CancellationToken cancellationToken)
    {
        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } current && !ReferenceEquals(current, stale))
            {
                return current;
            }
            var response = await CallAsync(AuthenticatePath, new AuthenticateRequest { Name = _options.Username, Password = _options.Password }, AuthenticateResponse.Parser, CallKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
            _token = response.Token;
            return response.Token;
        }
        finally
        {
            _authLock.Release();
        }
    }

    private static EtcdClientOptions WithEndpoints(Uri[] endpoints)
    {
        var options = new EtcdClientOptions();
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }
        return options;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retrying {Path} after {Endpoint} failed: {Status} {Detail}")]
    private static partial void LogDebugRetry(ILogger logger, string path, Uri endpoint, GrpcStatusCode status, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "etcd endpoint {Endpoint} failed: {Reason}")]
    private static partial void LogDebugEndpointFailed(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "etcd leader is at {Endpoint} (term {Term})")]
    private static partial void LogDebugLeader(ILogger logger, Uri endpoint, ulong term);
}

/// <summary>How a call may be routed and retried.</summary>
internal enum CallKind
{
    /// <summary>A read that must see every acknowledged write: best at the leader; retried anywhere.</summary>
    LinearizableRead,
    /// <summary>A read from any member (serializable reads, status); retried anywhere.</summary>
    Read,
    /// <summary>A write: at the leader; retried only when it certainly did not take effect.</summary>
    Write,
    /// <summary>A write whose repetition is harmless (revoke, compact, authenticate): at the leader; retried.</summary>
    IdempotentWrite,
}
