using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ActorEdge.Benchmarks.Messaging;

/// <summary>
/// The baseline's server: answers each request frame <c>[u32 length = 12][u64 correlation id][i32 value]</c>
/// with a response frame of the same shape, batching all the responses to what one receive returned
/// into one send. No framework, no allocation per frame: the fastest request/response a
/// single connection can do with the same threading and framing ActorEdge uses.
/// </summary>
public sealed class RawEchoServer : IAsyncDisposable
{
    public const int FrameLength = 4 + 8 + 4;
    private const int BufferSize = 64 * 1024;

    private readonly Socket _listener;
    private readonly List<Socket> _connections = [];
    private readonly Task _acceptLoop;

    private RawEchoServer(Socket listener)
    {
        _listener = listener;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static RawEchoServer Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return new RawEchoServer(listener);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }
        await _acceptLoop.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(socket);
            }
            _ = ServeAsync(socket);
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        var input = new byte[BufferSize];
        var output = new byte[BufferSize];
        var filled = 0;
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(input.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    return;
                }
                filled += received;
                var consumed = Answer(input.AsSpan(0, filled), output, out var produced);
                for (var sent = 0; sent < produced;)
                {
                    sent += await socket.SendAsync(output.AsMemory(sent, produced - sent), SocketFlags.None).ConfigureAwait(false);
                }
                input.AsSpan(consumed, filled - consumed).CopyTo(input);
                filled -= consumed;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static int Answer(ReadOnlySpan<byte> input, Span<byte> output, out int produced)
    {
        var consumed = 0;
        produced = 0;
        while (input.Length - consumed >= FrameLength)
        {
            var frame = input.Slice(consumed, FrameLength);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            if (length != FrameLength - 4)
            {
                throw new InvalidDataException($"Unexpected frame length {length}.");
            }
            var correlationId = BinaryPrimitives.ReadInt64LittleEndian(frame[4..]);
            var value = BinaryPrimitives.ReadInt32LittleEndian(frame[12..]);
            var response = output.Slice(produced, FrameLength);
            BinaryPrimitives.WriteUInt32LittleEndian(response, FrameLength - 4);
            BinaryPrimitives.WriteInt64LittleEndian(response[4..], correlationId);
            BinaryPrimitives.WriteInt32LittleEndian(response[12..], value);
            consumed += FrameLength;
            produced += FrameLength;
        }
        return consumed;
    }
}
