using Microsoft.Extensions.Logging;

namespace ActorEdge.Redis;

/// <summary>
/// The client of one Redis endpoint: a single multiplexed <see cref="RedisConnection"/> that every
/// caller shares (opened on first use), and dedicated connections on request.
/// </summary>
public sealed class RedisClient : IAsyncDisposable
{
    private readonly RedisClientOptions _options;
    private readonly ILogger? _logger;
    private readonly Lock _lock = new();
    private Task<RedisConnection>? _shared;
    private bool _disposed;

    /// <summary>Creates the client; nothing is connected until the first use.</summary>
    public RedisClient(RedisClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = logger;
    }

    /// <summary>The options of the connections (a copy).</summary>
    public RedisClientOptions Options => _options.Clone();

    /// <summary>
    /// The shared connection. The first call connects; if that fails the error is thrown and the
    /// next call tries again. Once connected, the connection reconnects by itself.
    /// </summary>
    public ValueTask<RedisConnection> GetConnectionAsync(CancellationToken cancellationToken = default)
    {
        var shared = Volatile.Read(ref _shared);
        return shared is { IsCompletedSuccessfully: true } ? new ValueTask<RedisConnection>(shared.Result) : ConnectSharedAsync(cancellationToken);
    }

    /// <summary>Opens a connection of its own for the caller (blocking commands, transactions); the caller disposes it.</summary>
    public Task<RedisConnection> OpenDedicatedConnectionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return RedisConnection.ConnectAsync(_options, _logger, cancellationToken);
    }

    /// <summary>Disposes the shared connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<RedisConnection>? shared;
        lock (_lock)
        {
            _disposed = true;
            shared = _shared;
        }
        if (shared is { IsCompletedSuccessfully: true })
        {
            await shared.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<RedisConnection> ConnectSharedAsync(CancellationToken cancellationToken)
    {
        Task<RedisConnection> connecting;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_shared is null || _shared.IsFaulted || _shared.IsCanceled)
            {
                _shared = RedisConnection.ConnectAsync(_options, _logger, CancellationToken.None);
            }
            connecting = _shared;
        }
        return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
