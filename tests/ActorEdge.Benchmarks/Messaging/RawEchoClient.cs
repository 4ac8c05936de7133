using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace ActorEdge.Benchmarks.Messaging;

/// <summary>
/// The baseline's client: any number of callers multiplexed on ONE TCP connection with
/// correlation ids, as ActorEdge multiplexes every call between two silos on one connection.
/// Like ActorEdge's transport, sends go through a single-reader channel to one write loop that
/// batches, and responses complete their callers asynchronously (on the thread pool, never on
/// the read loop). Unlike it, there is no header, no routing and no allocation per call: a
/// caller is a reusable <see cref="IValueTaskSource{TResult}"/> indexed by its correlation id.
/// </summary>
public sealed class RawEchoClient : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;
    private const int SlotBits = 16;
    private const long SlotMask = (1 << SlotBits) - 1;

    private readonly Socket _socket;
    private readonly Channel<(long CorrelationId, int Value)> _sendQueue =
        Channel.CreateUnbounded<(long, int)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Caller[] _callers;
    private readonly Task _readLoop;
    private readonly Task _writeLoop;

    private RawEchoClient(Socket socket, int callers)
    {
        _socket = socket;
        _callers = new Caller[callers];
        for (var i = 0; i < callers; i++)
        {
            _callers[i] = new Caller(this, i);
        }
        _readLoop = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
    }

    /// <summary>One caller per concurrent request stream; a caller has at most one call outstanding.</summary>
    public IReadOnlyList<Caller> Callers => _callers;

    public static async Task<RawEchoClient> ConnectAsync(IPEndPoint endpoint, int callers)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint).ConfigureAwait(false);
        return new RawEchoClient(socket, callers);
    }

    public async ValueTask DisposeAsync()
    {
        _sendQueue.Writer.TryComplete();
        await _writeLoop.ConfigureAwait(false);
        _socket.Shutdown(SocketShutdown.Both);
        await _readLoop.ConfigureAwait(false);
        _socket.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var output = new byte[BufferSize];
        var reader = _sendQueue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var produced = 0;
                while (produced <= BufferSize - RawEchoServer.FrameLength && reader.TryRead(out var request))
                {
                    var frame = output.AsSpan(produced, RawEchoServer.FrameLength);
                    BinaryPrimitives.WriteUInt32LittleEndian(frame, RawEchoServer.FrameLength - 4);
                    BinaryPrimitives.WriteInt64LittleEndian(frame[4..], request.CorrelationId);
                    BinaryPrimitives.WriteInt32LittleEndian(frame[12..], request.Value);
                    produced += RawEchoServer.FrameLength;
                }
                for (var sent = 0; sent < produced;)
                {
                    sent += await _socket.SendAsync(output.AsMemory(sent, produced - sent), SocketFlags.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            FailAll(e);
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = new byte[BufferSize];
        var filled = 0;
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(input.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    return;
                }
                filled += received;
                var consumed = 0;
                while (filled - consumed >= RawEchoServer.FrameLength)
                {
                    var frame = input.AsSpan(consumed, RawEchoServer.FrameLength);
                    var correlationId = BinaryPrimitives.ReadInt64LittleEndian(frame[4..]);
                    var value = BinaryPrimitives.ReadInt32LittleEndian(frame[12..]);
                    _callers[(int)(correlationId & SlotMask)].Complete(correlationId, value);
                    consumed += RawEchoServer.FrameLength;
                }
                input.AsSpan(consumed, filled - consumed).CopyTo(input);
                filled -= consumed;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            FailAll(e);
        }
    }

    private void FailAll(Exception error)
    {
        foreach (var caller in _callers)
        {
            caller.Fail(error);
        }
    }

    /// <summary>A request stream: <see cref="EchoAsync"/> must not be called again before the previous call completed.</summary>
    public sealed class Caller : IValueTaskSource<int>
    {
        private readonly RawEchoClient _client;
        private readonly int _slot;
        private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = true };
        private long _sequence;
        private long _pending;

        internal Caller(RawEchoClient client, int slot)
        {
            _client = client;
            _slot = slot;
        }

        public ValueTask<int> EchoAsync(int value)
        {
            _core.Reset();
            var correlationId = (++_sequence << SlotBits) | (long)_slot;
            Volatile.Write(ref _pending, correlationId);
            if (!_client._sendQueue.Writer.TryWrite((correlationId, value)))
            {
                _core.SetException(new ObjectDisposedException(nameof(RawEchoClient)));
            }
            return new ValueTask<int>(this, _core.Version);
        }

        internal void Complete(long correlationId, int value)
        {
            if (Interlocked.CompareExchange(ref _pending, 0, correlationId) == correlationId)
            {
                _core.SetResult(value);
            }
        }

        internal void Fail(Exception error)
        {
            if (Interlocked.Exchange(ref _pending, 0) != 0)
            {
                _core.SetException(error);
            }
        }

        int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
