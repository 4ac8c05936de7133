using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using ActorEdge.Redis.Protocol;

namespace ActorEdge.Redis;

// The life of the underlying socket: open and handshake, the reader and writer loops, loss and reconnection.
public sealed partial class RedisConnection
{
    private async Task<Link> OpenAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, linked.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_options.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _options.TlsHostName ?? _options.Host,
                    RemoteCertificateValidationCallback = _options.RemoteCertificateValidation,
                }, linked.Token).ConfigureAwait(false);
            }
            var link = new Link(socket, stream, PipeReader.Create(stream, ReaderOptions));
            await HandshakeAsync(link, linked.Token).ConfigureAwait(false);
            return link;
        }
        catch (Exception e)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            socket.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            if (deadline.IsCancellationRequested)
            {
                throw new RedisConnectionException($"Could not connect to {EndPoint} within {_options.ConnectTimeout.TotalMilliseconds:0} ms.", e);
            }
            throw new RedisConnectionException($"Could not connect to {EndPoint}: {e.Message}", e);
        }
    }

    // HELLO (RESP3), AUTH, CLIENT SETNAME and SELECT, pipelined, before any caller's command.
    private async Task HandshakeAsync(Link link, CancellationToken cancellationToken)
    {
        var buffer = new PooledBuffer(256);
        try
        {
            var replies = 0;
            if (_options.Protocol == RedisProtocol.Resp3)
            {
                var args = new List<RedisArg> { 3 };
                if (_options.Password is not null)
                {
                    args.AddRange(["AUTH", _options.User ?? "default", _options.Password]);
                }
                if (_options.ClientName is not null)
                {
                    args.AddRange(["SETNAME", _options.ClientName]);
                }
                RespWriter.WriteCommand(buffer, "HELLO"u8, args.ToArray());
                replies++;
            }
            else
            {
                if (_options.Password is not null)
                {
                    RespWriter.WriteCommand(buffer, "AUTH"u8, _options.User is null ? [_options.Password] : [_options.User, _options.Password]);
                    replies++;
                }
                if (_options.ClientName is not null)
                {
                    RespWriter.WriteCommand(buffer, "CLIENT"u8, ["SETNAME", _options.ClientName]);
                    replies++;
                }
            }
            if (_options.Database != 0)
            {
                RespWriter.WriteCommand(buffer, "SELECT"u8, [_options.Database]);
                replies++;
            }
            if (replies == 0)
            {
                return;
            }
            await link.Stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            RedisServerException? failure = null;
            while (replies > 0)
            {
                var result = await link.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var unread = result.Buffer;
                while (replies > 0 && RespParser.TryRead(unread, _options.MaxReplyBytes, out var reply, out var consumed))
                {
                    unread = unread.Slice(consumed);
                    replies--;
                    if (reply.Type == RedisReplyType.Error)
                    {
                        failure ??= RedisServerException.FromReply(reply.Bytes.Span);
                    }
                }
                link.Reader.AdvanceTo(unread.Start, unread.End);
                if (replies > 0 && result.IsCompleted)
                {
                    throw new IOException("The server closed the connection during the handshake.");
                }
            }
            if (failure is not null)
            {
                throw failure;
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private void OnLinkUp(Link link)
    {
        lock (_lock)
        {
            if (_isDisposed)
            {
                link.Close();
                return;
            }
            _link = link;
            _isConnected = true;
            _connected.TrySetResult();
        }
        Interlocked.Increment(ref _connections);
    }

    private async Task SuperviseAsync(Link? link)
    {
        var attempt = 0;
        while (true)
        {
            if (link is not null)
            {
                var cause = await RunLinkAsync(link).ConfigureAwait(false);
                OnLinkLost(cause);
                link = null;
                attempt = 0;
            }
            if (_disposed.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(Backoff(attempt++), _time, _disposed.Token).ConfigureAwait(false);
                link = await OpenAsync(_disposed.Token).ConfigureAwait(false);
                OnLinkUp(link);
                LogInformationReconnected(_logger, EndPoint, attempt);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                link?.Close();
                return;
            }
            catch (Exception e)
            {
                _lastError = e;
                LogDebugReconnectFailed(_logger, EndPoint, attempt, e.Message);
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = _options.ReconnectMinDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
        delay = Math.Min(delay, _options.ReconnectMaxDelay.TotalMilliseconds);
        // Jitter, so clients that lost the same server do not come back in lockstep.
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    // Runs the reader and writer until either ends; returns why the link ended.
    private async Task<Exception> RunLinkAsync(Link link)
    {
        var reading = ReadLoopAsync(link);
        var writing = WriteLoopAsync(link);
        var first = await Task.WhenAny(reading, writing).ConfigureAwait(false);
        link.Close();
        _writeSignal.Writer.TryWrite(true);
        try
        {
            await Task.WhenAll(reading, writing).ConfigureAwait(false);
        }
        catch
        {
            // The first failure is the cause; the other loop only saw the link being closed.
        }
        if (_disposed.IsCancellationRequested)
        {
            return new ObjectDisposedException(nameof(RedisConnection), $"The connection to {EndPoint} was disposed.");
        }
        return first.Exception?.InnerException ?? new IOException("The connection was closed.");
    }

    private void OnLinkLost(Exception cause)
    {
        lock (_lock)
        {
            _isConnected = false;
            _link = null;
            _lastError = cause;
            _writeBuffer.Reset();
            if (_connected.Task.IsCompleted && !_isDisposed)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        if (cause is not ObjectDisposedException)
        {
            LogWarningConnectionLost(_logger, EndPoint, cause.Message);
        }
        FailPending(cause);
    }

    private void FailPending(Exception cause)
    {
        PendingCommand[] failed;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }
            failed = _pending.ToArray();
            _pending.Clear();
        }
        for (var i = 0; i < failed.Length; i++)
        {
            var command = failed[i];
            Exception error = cause switch
            {
                ObjectDisposedException => new RedisConnectionException($"The connection to {EndPoint} was disposed before {command.Name} got its reply.", cause),
                // The first command is the one whose reply was malformed or too large.
                RedisProtocolException when i == 0 => new RedisProtocolException($"{cause.Message} ({command.Name} to {EndPoint}; the connection was reset)", cause),
                _ => new RedisConnectionException($"The connection to {EndPoint} was lost before {command.Name} got its reply ({cause.Message}); the command may or may not have been executed.", cause),
            };
            command.TrySetException(error);
            command.Release();
        }
    }

    private async Task ReadLoopAsync(Link link)
    {
        var reader = link.Reader;
        var maxReplyBytes = _options.MaxReplyBytes;
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException();
            }
            var buffer = result.Buffer;
            while (!buffer.IsEmpty && RespParser.TryRead(buffer, maxReplyBytes, out var reply, out var consumed))
            {
                buffer = buffer.Slice(consumed);
                Dispatch(reply);
            }
            if (result.IsCompleted)
            {
                throw new IOException(buffer.IsEmpty
                    ? "the server closed the connection"
                    : $"the server closed the connection in the middle of a reply, {buffer.Length} bytes unread");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private void Dispatch(in RedisReply reply)
    {
        if (reply.Type == RedisReplyType.Push)
        {
            // RESP3 out-of-band data (invalidation, pub/sub): not a reply to any command.
            return;
        }
        PendingCommand? command;
        lock (_lock)
        {
            _pending.TryDequeue(out command);
        }
        if (command is null)
        {
            throw new RedisProtocolException($"Received a reply ({reply}) when no command was waiting for one.");
        }
        if (reply.Type == RedisReplyType.Error)
        {
            command.TrySetException(RedisServerException.FromReply(reply.Bytes.Span));
        }
        else
        {
            command.TrySetResult(reply);
        }
        command.Release();
    }

    private async Task WriteLoopAsync(Link link)
    {
        var signal = _writeSignal.Reader;
        while (true)
        {
            await signal.ReadAsync().ConfigureAwait(false);
            if (link.IsClosed)
            {
                return;
            }
            while (true)
            {
                PooledBuffer batch;
                lock (_lock)
                {
                    if (_writeBuffer.Length == 0)
                    {
                        break;
                    }
                    // Double buffering: callers append to the other buffer while this one is written.
                    batch = _writeBuffer;
                    _writeBuffer = _spareBuffer;
                }
                try
                {
                    await link.Stream.WriteAsync(batch.WrittenMemory).ConfigureAwait(false);
                }
                finally
                {
                    batch.Reset();
                    lock (_lock)
                    {
                        _spareBuffer = batch;
                    }
                }
            }
        }
    }

    private void ExpireTimedOut()
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            foreach (var command in _pending)
            {
                if (now >= command.Deadline && !command.IsDone)
                {
                    command.TrySetException(new RedisTimeoutException(
                        $"{command.Name} to {EndPoint} got no reply within {command.Timeout.TotalMilliseconds:0} ms ({_pending.Count} commands pending on the connection); it may still be executed."));
                }
            }
        }
    }

    private sealed class Link(Socket socket, Stream stream, PipeReader reader)
    {
        private int _closed;

        public Stream Stream { get; } = stream;

        public PipeReader Reader { get; } = reader;

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }
            Reader.CancelPendingRead();
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            socket.Dispose();
            Stream.Dispose();
        }
    }
}
