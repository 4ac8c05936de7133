using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.TestingHost.Network;

namespace ActorEdge.Runtime.Tests.Network;

public sealed class DelayingProxyTests
{
    /// <summary>A loopback server that echoes every byte back on its connection.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public EchoServer()
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Socket socket;
                    try
                    {
                        socket = await _listener.AcceptSocketAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    _ = Task.Run(async () =>
                    {
                        using var s = socket;
                        var buffer = new byte[8192];
                        try
                        {
                            int read;
                            while ((read = await s.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                            {
                                await s.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                            }
                            s.Shutdown(SocketShutdown.Send);
                        }
                        catch (SocketException)
                        {
                        }
                    });
                }
            });
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _loop;
        }
    }

    private static async Task<Socket> ConnectAsync(DelayingProxy proxy)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.EndPoint);
        return socket;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer[total..], SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException($"The connection closed after {total} of {buffer.Length} bytes.");
            }
            total += read;
        }
    }

    [Fact]
    public async Task RoundTrip_WithOneWayDelays_TakesAtLeastTheirSum()
    {
        await using var echo = new EchoServer();
        await using var proxy = new DelayingProxy(echo.EndPoint, new LinkProfile(TimeSpan.FromMilliseconds(30)), new LinkProfile(TimeSpan.FromMilliseconds(20))).Start();
        using var socket = await ConnectAsync(proxy);
        var reply = new byte[1];
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            await socket.SendAsync(new[] { (byte)i }, SocketFlags.None);
            await Wait.For(ReadExactlyAsync(socket, reply), "the echo");
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(50), $"round trip {watch.Elapsed.TotalMilliseconds} ms < 50 ms");
            Assert.Equal((byte)i, reply[0]);
        }
    }

    [Fact]
    public async Task Transfer_WithBandwidthCap_TakesAtLeastSizeOverRate()
    {
        const int Size = 256 * 1024;
        const long Rate = 2 * 1024 * 1024;
        await using var echo = new EchoServer();
        await using var proxy = new DelayingProxy(echo.EndPoint, new LinkProfile(TimeSpan.Zero, Rate)).Start();
        using var socket = await ConnectAsync(proxy);
        var data = new byte[Size];
        new Random(1).NextBytes(data);
        var received = new byte[Size];

        var watch = Stopwatch.StartNew();
        var reading = ReadExactlyAsync(socket, received);
        await socket.SendAsync(data, SocketFlags.None);
        await Wait.For(reading, "the echoed bytes");

        var minimum = TimeSpan.FromSeconds((double)Size / Rate);
        Assert.True(watch.Elapsed >= minimum, $"{Size} bytes took {watch.Elapsed.TotalMilliseconds} ms < {minimum.TotalMilliseconds} ms");
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task Transfer_RandomChunksBothWays_BytesArriveIntactAndInOrder()
    {
        await using var echo = new EchoServer();
        await using var proxy = new DelayingProxy(echo.EndPoint, new LinkProfile(TimeSpan.FromMilliseconds(1)), new LinkProfile(TimeSpan.FromMilliseconds(2), 8 * 1024 * 1024)).Start();
        using var socket = await ConnectAsync(proxy);
        var random = new Random(42);
        var data = new byte[300_000];
        random.NextBytes(data);
        var received = new byte[data.Length];
        var reading = ReadExactlyAsync(socket, received);
        for (var offset = 0; offset < data.Length;)
        {
            var size = Math.Min(random.Next(1, 40_000), data.Length - offset);
            await socket.SendAsync(data.AsMemory(offset, size), SocketFlags.None);
            offset += size;
            if (random.Next(4) == 0)
            {
                // Change the link mid-stream: order must hold across the change.
                proxy.Upstream = new LinkProfile(TimeSpan.FromMilliseconds(random.Next(0, 3)), random.Next(2) == 0 ? 0 : 16 * 1024 * 1024);
            }
        }
        await Wait.For(reading, "the echoed bytes");
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task Cut_Reset_ClosesConnectionsAndRefusesNewOnesUntilHealed()
    {
        await using var echo = new EchoServer();
        await using var proxy = new DelayingProxy(echo.EndPoint).Start();
        using var before = await ConnectAsync(proxy);
        await before.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await Wait.For(ReadExactlyAsync(before, new byte[1]), "the first echo");

        proxy.Cut(LinkCut.Reset);

        Assert.True(proxy.IsCut);
        await Wait.For(ClosedAsync(before), "the open connection to be reset");
        await Wait.For(RefusedAsync(proxy), "a new connection to be refused");

        proxy.Heal();

        using var after = await ConnectAsync(proxy);
        await after.SendAsync(new byte[] { 2 }, SocketFlags.None);
        var reply = new byte[1];
        await Wait.For(ReadExactlyAsync(after, reply), "the echo after healing");
        Assert.Equal(2, reply[0]);
    }

    [Fact]
    public async Task Cut_Drop_LosesBytesSentDuringTheCutAndKeepsTheConnection()
    {
        await using var echo = new EchoServer();
        await using var proxy = new DelayingProxy(echo.EndPoint).Start();
        using var socket = await ConnectAsync(proxy);

        proxy.Cut(LinkCut.Drop);
        await socket.SendAsync(new byte[] { 1, 1, 1 }, SocketFlags.None);
        await Wait.UntilAsync(() => proxy.DroppedBytes == 3, "the proxy to drop the bytes sent during the cut");
        Assert.Equal(1, proxy.ConnectionCount);
        proxy.Heal();
        await socket.SendAsync(new byte[] { 2 }, SocketFlags.None);

        var reply = new byte[1];
        await Wait.For(ReadExactlyAsync(socket, reply), "the echo after healing");
        Assert.Equal(2, reply[0]);
    }

    /// <summary>Connects and waits for the proxy to close the connection (or the connect itself to fail).</summary>
    private static async Task RefusedAsync(DelayingProxy proxy)
    {
        try
        {
            using var socket = await ConnectAsync(proxy);
            await ClosedAsync(socket);
        }
        catch (SocketException)
        {
            // Reset during the connect: refused as well.
        }
    }

    private static async Task ClosedAsync(Socket socket)
    {
        var buffer = new byte[16];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset: closed as well.
        }
    }
}
