using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ActorEdge.Redis.Protocol;

namespace ActorEdge.Redis.Testing;

/// <summary>
/// A TCP server speaking just enough RESP to script misbehaviour: for each command received (its
/// name and the index of the connection), <c>respond</c> returns the bytes to send (null: no reply,
/// an empty array: close the connection).
/// </summary>
public sealed class FakeRedisServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, int, byte[]?> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<TcpClient> _clients = [];
    private int _connections;
    private int _replies;

    public FakeRedisServer(Func<string, int, byte[]?> respond)
    {
        _respond = respond;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public int RepliesSent => Volatile.Read(ref _replies);

    public RedisClientOptions ClientOptions() => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_clients)
            {
                _clients.Add(client);
            }
            var index = Interlocked.Increment(ref _connections) - 1;
            _ = ServeAsync(client, index);
        }
    }

    private async Task ServeAsync(TcpClient client, int index)
    {
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var pending = new List<byte>();
            while (true)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }
                pending.AddRange(buffer.AsSpan(0, read));
                while (true)
                {
                    var received = new ReadOnlySequence<byte>(pending.ToArray());
                    if (!RespParser.TryRead(received, int.MaxValue, out var command, out var consumed))
                    {
                        break;
                    }
                    pending.RemoveRange(0, (int)received.Slice(0, consumed).Length);
                    var reply = _respond(command[0].AsString()!.ToUpperInvariant(), index);
                    if (reply is null)
                    {
                        continue;
                    }
                    if (reply.Length == 0)
                    {
                        client.Dispose();
                        return;
                    }
                    await stream.WriteAsync(reply, _stop.Token);
                    Interlocked.Increment(ref _replies);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
