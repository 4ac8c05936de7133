using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ActorEdge.Redis.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorEdge.Redis;

/// <summary>
/// One connection to a Redis-compatible server, shared by any number of concurrent callers:
/// commands are pipelined (written in batches by one writer loop) and replies are matched to
/// commands in order. The connection re-establishes itself with backoff when it drops; commands
/// pending at that moment fail with <see cref="RedisConnectionException"/>, and commands issued
/// while it is down wait for it within their timeout.
/// </summary>
/// <remarks>
/// Blocking commands (BLPOP, WAIT...), MULTI/EXEC and pub/sub hold up or change the state of the
/// whole connection: run them on a dedicated connection (<see cref="RedisClient.OpenDedicatedConnectionAsync"/>).
/// </remarks>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true);

    private readonly RedisClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<PendingCommand> _pending = new();
    private readonly Channel<bool> _writeSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _disposed = new();
    private readonly ITimer _timeoutTimer;
    private PooledBuffer _writeBuffer = new(64 * 1024);
    private PooledBuffer _spareBuffer = new(64 * 1024);
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _isConnected;
    private bool _isDisposed;
    private Link? _link;
    private Exception? _lastError;
    private Task _supervisor = Task.CompletedTask;
    private int _connections;

    private RedisConnection(RedisClientOptions options, ILogger? logger)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
        var period = TimeSpan.FromTicks(Math.Clamp(options.CommandTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerMillisecond * 100));
        _timeoutTimer = _time.CreateTimer(static state => ((RedisConnection)state!).ExpireTimedOut(), this, period, period);
    }

    /// <summary>The server, as <c>host:port</c>.</summary>
    public string EndPoint => _options.EndPointText;

    /// <summary>Whether the connection is up now.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_lock)
            {
                return _isConnected;
            }
        }
    }

    /// <summary>How many times a connection was established (1 after connecting, +1 per reconnection).</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>
    /// Connects to the server described by <paramref name="options"/> (TCP, optional TLS, then
    /// HELLO/AUTH, CLIENT SETNAME and SELECT as configured).
    /// </summary>
    /// <exception cref="RedisConnectionException">The server cannot be reached or refused the handshake.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisClientOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var connection = new RedisConnection(options.Clone(), logger);
        try
        {
            var link = await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            connection.OnLinkUp(link);
            connection._supervisor = connection.SuperviseAsync(link);
            return connection;
        }
        catch
        {
            connection._timeoutTimer.Dispose();
            connection._disposed.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command and returns its reply. An error reply throws a <see cref="RedisServerException"/>.</summary>
    public ValueTask<RedisReply> ExecuteAsync(ReadOnlySpan<byte> command, params ReadOnlySpan<RedisArg> args) =>
        ExecuteAsync(command, args, null, CancellationToken.None);

    /// <summary>Sends a command given as text and returns its reply.</summary>
    public ValueTask<RedisReply> ExecuteAsync(string command, params ReadOnlySpan<RedisArg> args)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (command.Length > 64 || !System.Text.Ascii.IsValid(command))
        {
            throw new ArgumentException("A command name is ASCII and at most 64 characters.", nameof(command));
        }
        Span<byte> name = stackalloc byte[command.Length];
        System.Text.Encoding.ASCII.GetBytes(command, name);
        return ExecuteAsync(name, args, null, CancellationToken.None);
    }

    /// <summary>
    /// Sends a command and returns its reply, failing with <see cref="RedisTimeoutException"/> when
    /// no reply came within <paramref name="timeout"/> (null: <see cref="RedisClientOptions.CommandTimeout"/>).
    /// </summary>
    public ValueTask<RedisReply> ExecuteAsync(ReadOnlySpan<byte> command, ReadOnlySpan<RedisArg> args, TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RedisReply>(cancellationToken);
        }
        var limit = timeout ?? _options.CommandTimeout;
        lock (_lock)
        {
            if (_isConnected)
            {
                var wasEmpty = _writeBuffer.Length == 0;
                RespWriter.WriteCommand(_writeBuffer, command, args);
                return Enqueue(command, limit, wasEmpty, cancellationToken);
            }
        }
        // Not connected: keep the encoded command and wait for the connection within the timeout.
        var encoded = RentBuffer();
        RespWriter.WriteCommand(encoded, command, args);
        return ExecuteWhenConnectedAsync(encoded, command.ToArray(), limit, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="script"/> with EVALSHA, falling back to EVAL when the server does not
    /// have it cached (NOSCRIPT).
    /// </summary>
    public ValueTask<RedisReply> EvaluateAsync(RedisScript script, ReadOnlySpan<RedisArg> keys, ReadOnlySpan<RedisArg> args, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        // numkeys, keys and args are the same for EVALSHA and EVAL: encode them once, send them once or twice.
        var tail = RentBuffer();
        RespWriter.WriteInteger(tail, keys.Length);
        RespWriter.WriteArgs(tail, keys);
        RespWriter.WriteArgs(tail, args);
        return EvaluateCoreAsync(script, tail, 3 + keys.Length + args.Length, timeout ?? _options.CommandTimeout, cancellationToken);
    }

    /// <summary>Waits until the connection is up, for at most <paramref name="timeout"/>.</summary>
    /// <exception cref="RedisConnectionException">It did not come up in time; the message gives the last connection error.</exception>
    public async Task WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Task connected;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_isDisposed, this);
            connected = _connected.Task;
        }
        try
        {
            await connected.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RedisConnectionException($"Not connected to {EndPoint}: no connection within {timeout.TotalMilliseconds:0} ms (last error: {_lastError?.Message ?? "none"}).", _lastError);
        }
    }

    /// <summary>Closes the connection; pending commands fail with <see cref="RedisConnectionException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Link? link;
        lock (_lock)
        {
            if (_isDisposed)
            {
                return;
            }
            _isDisposed = true;
            link = _link;
        }
        await _disposed.CancelAsync().ConfigureAwait(false);
        link?.Close();
        _writeSignal.Writer.TryWrite(true);
        await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        FailPending(new ObjectDisposedException(nameof(RedisConnection), $"The connection to {EndPoint} was disposed."));
        _connected.TrySetException(new ObjectDisposedException(nameof(RedisConnection)));
        _connected.Task.Exception?.Handle(static _ => true);
        _writeBuffer.Dispose();
        _spareBuffer.Dispose();
        _disposed.Dispose();
    }

    // Called with _lock held, after the command's bytes were appended to the write buffer.
    private ValueTask<RedisReply> Enqueue(ReadOnlySpan<byte> command, TimeSpan timeout, bool wasEmpty, CancellationToken cancellationToken)
    {
        var pending = PendingCommand.Rent(command, _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency), timeout, cancellationToken);
        _pending.Enqueue(pending);
        if (wasEmpty)
        {
            _writeSignal.Writer.TryWrite(true);
        }
        return pending.Task;
    }

    // Appends an already-encoded command (or an array header, two bulk strings and an encoded tail) if connected.
    private bool TryEnqueueEncoded(int count, ReadOnlySpan<byte> word, ReadOnlySpan<byte> first, ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> name, TimeSpan timeout, CancellationToken cancellationToken, out ValueTask<RedisReply> reply)
    {
        lock (_lock)
        {
            if (!_isConnected)
            {
                reply = default;
                return false;
            }
            var wasEmpty = _writeBuffer.Length == 0;
            if (count > 0)
            {
                RespWriter.WriteArrayHeader(_writeBuffer, count);
                RespWriter.WriteBulk(_writeBuffer, word);
                RespWriter.WriteBulk(_writeBuffer, first);
            }
            _writeBuffer.Write(encoded);
            reply = Enqueue(name, timeout, wasEmpty, cancellationToken);
            return true;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RedisReply> ExecuteWhenConnectedAsync(PooledBuffer encoded, byte[] name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var start = _time.GetTimestamp();
            while (true)
            {
                var left = timeout - _time.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    left = TimeSpan.Zero;
                }
                await WaitUntilConnectedAsync(left, cancellationToken).ConfigureAwait(false);
                if (TryEnqueueEncoded(0, default, default, encoded.WrittenSpan, name, timeout - _time.GetElapsedTime(start), cancellationToken, out var reply))
                {
                    return await reply.ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ReturnBuffer(encoded);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RedisReply> EvaluateCoreAsync(RedisScript script, PooledBuffer tail, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var start = _time.GetTimestamp();
            try
            {
                return await SendScriptAsync(script, tail, count, evalSha: true, start, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisNoScriptException)
            {
                return await SendScriptAsync(script, tail, count, evalSha: false, start, timeout, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ReturnBuffer(tail);
        }
    }

    private async ValueTask<RedisReply> SendScriptAsync(RedisScript script, PooledBuffer tail, int count, bool evalSha, long start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var left = timeout - _time.GetElapsedTime(start);
            var sent = evalSha
                ? TryEnqueueEncoded(count, "EVALSHA"u8, script.Sha1Bytes, tail.WrittenSpan, "EVALSHA"u8, left, cancellationToken, out var reply)
                : TryEnqueueEncoded(count, "EVAL"u8, script.Body, tail.WrittenSpan, "EVAL"u8, left, cancellationToken, out reply);
            if (sent)
            {
                return await reply.ConfigureAwait(false);
            }
            await WaitUntilConnectedAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<PooledBuffer> Buffers = new();

    private static PooledBuffer RentBuffer() => Buffers.TryDequeue(out var buffer) ? buffer : new PooledBuffer(1024);

    private static void ReturnBuffer(PooledBuffer buffer)
    {
        buffer.Reset();
        if (Buffers.Count < 64)
        {
            Buffers.Enqueue(buffer);
        }
        else
        {
            buffer.Dispose();
        }
    }
}
