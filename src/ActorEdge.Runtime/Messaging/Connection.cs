using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Messaging;

/// <summary>Receives what arrives on connections.</summary>
internal interface IConnectionHandler
{
    /// <summary>Called on the connection's read loop for every message after the handshake: keep it short.</summary>
    void OnMessage(Connection connection, Message message);

    /// <summary>Called once when the connection closes, with the error that closed it, if any.</summary>
    void OnClosed(Connection connection, Exception? error);

    /// <summary>Called for each message that was queued but never written when the connection closed: it certainly did not arrive.</summary>
    void OnUndelivered(Connection connection, Message message);
}

/// <summary>Who is at the other end of a connection, as told by its handshake.</summary>
internal sealed record PeerIdentity(PeerRole Role, string ClusterId, string? NodeName, SiloAddress? Silo, Guid ClientId);

internal enum PeerRole : byte
{
    Silo = 1,
    Client = 2,
}

/// <summary>
/// One TCP connection carrying framed messages in both directions. Sends are queued and
/// written by a single loop that flushes once per batch, so concurrent senders share syscalls.
/// A malformed or oversized frame closes the connection (and only it) with a logged error.
/// </summary>
internal sealed partial class Connection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<Message> _sendQueue = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly int _maxFrameLength;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionHandler? _handler;
    private Exception? _closeError;
    private int _closing;

    public Connection(Socket socket, int maxFrameLength, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        _maxFrameLength = maxFrameLength;
        _logger = logger;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The peer, once the handshake completed.</summary>
    public PeerIdentity? Peer { get; private set; }

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Completes when the connection has closed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Queues a message for sending. Returns false if the connection is closed.</summary>
    public bool Send(Message message) => _sendQueue.Writer.TryWrite(message);

    /// <summary>
    /// Connects to a listener: sends our handshake, waits for the peer's, then runs the loops in the background.
    /// </summary>
    public static async Task<Connection> ConnectAsync(IPEndPoint endpoint, PeerIdentity self, int maxFrameLength, TimeSpan timeout, ILogger logger, Func<PeerIdentity, IConnectionHandler> handlerFactory, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Connection? connection = null;
        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            await socket.ConnectAsync(endpoint, timeoutSource.Token).ConfigureAwait(false);
            connection = new Connection(socket, maxFrameLength, logger);
            await connection.WriteHandshakeAsync(self, timeoutSource.Token).ConfigureAwait(false);
            var peer = await connection.ReadHandshakeAsync(timeoutSource.Token).ConfigureAwait(false);
            connection.Start(peer, handlerFactory(peer));
            return connection;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or InvalidDataException)
        {
            connection?.Abort();
            socket.Dispose();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new SiloUnavailableException($"Could not connect to {endpoint}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Accepts a connection: reads the peer's handshake, lets <paramref name="accept"/> vet it and
    /// choose a handler (null refuses), answers with our handshake, and runs the loops.
    /// </summary>
    public async Task<bool> AcceptAsync(PeerIdentity self, TimeSpan timeout, Func<PeerIdentity, IConnectionHandler?> accept, CancellationToken cancellationToken)
    {
        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            var peer = await ReadHandshakeAsync(timeoutSource.Token).ConfigureAwait(false);
            var handler = accept(peer);
            if (handler is null)
            {
                Abort();
                return false;
            }
            await WriteHandshakeAsync(self, timeoutSource.Token).ConfigureAwait(false);
            Start(peer, handler);
            return true;
        }
        catch (PeerClosedException)
        {
            // A port probe (a health check, a load balancer) connects and leaves: not an error.
            Abort();
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or InvalidDataException)
        {
            LogHandshakeFailed(_logger, RemoteEndPoint, e.Message);
            Abort();
            return false;
        }
        catch (Exception e)
        {
            // Whatever went wrong, an unaccepted connection must not stay open.
            LogErrorAcceptFailed(_logger, RemoteEndPoint, e);
            Abort();
            return false;
        }
    }

    /// <summary>Closes the connection gracefully: queued messages are written first.</summary>
    public void Close() => _sendQueue.Writer.TryComplete();

    /// <summary>
    /// Closes the connection at once (a crash, a protocol violation). The write loop then hands
    /// what was still queued to <see cref="IConnectionHandler.OnUndelivered"/> and reports the close.
    /// </summary>
    public void Abort(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        _closeError = error;
        _sendQueue.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _stream.Dispose();
        if (_handler is null)
        {
            // Never started: there is no write loop to report the close.
            _closed.TrySetResult();
        }
    }

    private void Start(PeerIdentity peer, IConnectionHandler handler)
    {
        Peer = peer;
        _handler = handler;
        // The loops outlive whatever opened the connection: they must not carry its ambient state
        // (its trace span, above all) into every message they handle for the connection's life.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(ReadLoopAsync);
            _ = Task.Run(WriteLoopAsync);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (MessageSerializer.TryReadFrame(ref buffer, _maxFrameLength, out var message))
                    {
                        _handler!.OnMessage(this, message!);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (InvalidDataException e)
        {
            LogMalformedFrame(_logger, RemoteEndPoint, e.Message);
            error = e;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            error = e;
        }
        catch (Exception e)
        {
            // A bug in decoding or dispatch must still close the connection: a read loop that died
            // silently would leave the peer connected to a silo that never reads again.
            LogErrorReadLoopFailed(_logger, RemoteEndPoint, e);
            error = e;
        }
        Abort(error ?? new IOException("The peer closed the connection."));
    }

    private async Task WriteLoopAsync()
    {
        var scratch = new ArrayBufferWriter<byte>(256);
        var reader = _sendQueue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    MessageSerializer.Write(message, _output, scratch);
                    message.Written = true;
                    message.ReleasePayload();
                    if (_output.UnflushedBytes > 256 * 1024)
                    {
                        await FlushAsync().ConfigureAwait(false);
                    }
                }
                await FlushAsync().ConfigureAwait(false);
            }
            // Graceful close: everything queued has been flushed.
            Abort();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            Abort(e);
        }
        // What is still queued never reached the socket: its owners may safely send it elsewhere,
        // before the close is reported (which fails what was sent and not answered).
        while (reader.TryRead(out var undelivered))
        {
            _handler!.OnUndelivered(this, undelivered);
        }
        _handler!.OnClosed(this, _closeError);
        _closed.TrySetResult();
    }

    private async ValueTask FlushAsync()
    {
        var result = await _output.FlushAsync().ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The connection's output was closed.");
        }
    }

    private async Task WriteHandshakeAsync(PeerIdentity self, CancellationToken cancellationToken)
    {
        var frame = new ArrayBufferWriter<byte>(128);
        Handshake.Write(self, frame);
        await _output.WriteAsync(frame.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PeerIdentity> ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (Handshake.TryRead(ref buffer, out var peer))
            {
                _input.AdvanceTo(buffer.Start);
                return peer!;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw buffer.IsEmpty ? new PeerClosedException() : new IOException("The peer closed the connection during the handshake.");
            }
        }
    }

    private sealed class PeerClosedException() : IOException("The peer closed the connection before its handshake.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing the connection from {RemoteEndPoint}: {Reason}")]
    private static partial void LogMalformedFrame(ILogger logger, IPEndPoint? remoteEndPoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing the connection from {RemoteEndPoint}: its read loop failed")]
    private static partial void LogErrorReadLoopFailed(ILogger logger, IPEndPoint? remoteEndPoint, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing the connection from {RemoteEndPoint}: accepting it failed")]
    private static partial void LogErrorAcceptFailed(ILogger logger, IPEndPoint? remoteEndPoint, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handshake with {RemoteEndPoint} failed: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, IPEndPoint? remoteEndPoint, string reason);
}
