using System.Text;
using ActorEdge.Redis.Testing;
using Xunit;

namespace ActorEdge.Redis;

/// <summary>Misbehaving servers (a socket we control) and a real server killed mid-traffic.</summary>
public sealed class RedisConnectionFaultTests
{
    private static readonly byte[] Pong = "+PONG\r\n"u8.ToArray();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("?garbage\r\n", "Malformed RESP reply: unknown type byte 0x3F ('?') at offset 0.")]
    [InlineData("$5\r\nabcdefg\r\n", "Malformed RESP reply: a string of 5 bytes is not followed by CRLF.")]
    [InlineData(":forty-two\r\n", "Malformed RESP reply: 'forty-two' is not an integer.")]
    [InlineData("*2\r\n:1\r\n%x\r\n", "Malformed RESP reply: 'x' is not an integer.")]
    public async Task ExecuteAsync_MalformedReply_FailsWithProtocolErrorThenReconnects(string reply, string message)
    {
        await using var server = new FakeRedisServer((command, connection) => command == "GET" && connection == 0 ? Encoding.ASCII.GetBytes(reply) : Pong);
        await using var connection = await RedisConnection.ConnectAsync(server.ClientOptions(), cancellationToken: Cancel);

        var error = await Assert.ThrowsAsync<RedisProtocolException>(async () => await connection.ExecuteAsync("GET"u8, "k"));
        await connection.WaitUntilConnectedAsync(TimeSpan.FromSeconds(10), Cancel);
        var pong = await connection.ExecuteAsync("PING"u8);

        Assert.Equal($"{message} (GET to 127.0.0.1:{server.Port}; the connection was reset)", error.Message);
        Assert.Equal("PONG", pong.AsString());
        Assert.Equal(2, connection.ConnectionCount);
    }

    [Fact]
    public async Task ExecuteAsync_MalformedReply_CommandsBehindItFailWithConnectionLost()
    {
        await using var server = new FakeRedisServer((command, _) => command == "GET" ? "!oops\r\n"u8.ToArray() : null);
        await using var connection = await RedisConnection.ConnectAsync(server.ClientOptions(), cancellationToken: Cancel);

        var waiting = connection.ExecuteAsync("PING"u8).AsTask();
        var bad = connection.ExecuteAsync("GET"u8, "k").AsTask();

        // PING got no reply, so the malformed bytes are taken as PING's reply; GET is behind it.
        var first = await Assert.ThrowsAsync<RedisProtocolException>(() => waiting);
        var second = await Assert.ThrowsAsync<RedisConnectionException>(() => bad);
        Assert.StartsWith("Malformed RESP reply: 'oops' is not an integer. (PING to ", first.Message);
        Assert.StartsWith($"The connection to 127.0.0.1:{server.Port} was lost before GET got its reply (Malformed RESP reply:", second.Message);
        Assert.IsType<RedisProtocolException>(second.InnerException);
    }

    [Fact]
    public async Task ExecuteAsync_NoReply_TimesOutWithTheCommandNamed()
    {
        await using var server = new FakeRedisServer((command, _) => command == "PING" ? Pong : null);
        var options = server.ClientOptions();
        options.CommandTimeout = TimeSpan.FromMilliseconds(300);
        await using var connection = await RedisConnection.ConnectAsync(options, cancellationToken: Cancel);

        var error = await Assert.ThrowsAsync<RedisTimeoutException>(async () => await connection.ExecuteAsync("BLPOP"u8, "list", 0));

        Assert.Equal($"BLPOP to 127.0.0.1:{server.Port} got no reply within 300 ms (1 commands pending on the connection); it may still be executed.", error.Message);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_ThrowsOperationCanceled()
    {
        await using var server = new FakeRedisServer((_, _) => null);
        await using var connection = await RedisConnection.ConnectAsync(server.ClientOptions(), cancellationToken: Cancel);
        using var cancel = new CancellationTokenSource();

        var pending = connection.ExecuteAsync("GET"u8, ["k"], TimeSpan.FromMinutes(1), cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task ExecuteAsync_ServerClosesMidReply_FailsWithConnectionLost()
    {
        await using var server = new FakeRedisServer((command, connection) => connection == 0 ? "$10\r\nabc"u8.ToArray() : Pong);
        await using var connection = await RedisConnection.ConnectAsync(server.ClientOptions(), cancellationToken: Cancel);
        var first = connection.ExecuteAsync("GET"u8, "k").AsTask();

        // Once the partial reply is out, the server goes away.
        await WaitUntilAsync(() => server.RepliesSent == 1, TimeSpan.FromSeconds(10));
        var port = server.Port;
        await server.DisposeAsync();

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => first);
        Assert.Equal($"The connection to 127.0.0.1:{port} was lost before GET got its reply (the server closed the connection in the middle of a reply, 8 bytes unread); the command may or may not have been executed.", error.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ReplyDeliveredByteByByte_IsAssembled()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(Cancel);
            var stream = client.GetStream();
            var request = new byte[256];
            _ = await stream.ReadAsync(request, Cancel);
            foreach (var b in "*2\r\n$5\r\nhello\r\n:42\r\n"u8.ToArray())
            {
                await stream.WriteAsync(new[] { b }, Cancel);
                await stream.FlushAsync(Cancel);
                await Task.Delay(2, Cancel);
            }
            await Task.Delay(Timeout.Infinite, Cancel).ContinueWith(_ => { }, TaskScheduler.Default);
        }, Cancel);
        try
        {
            await using var connection = await RedisConnection.ConnectAsync(new RedisClientOptions { Host = "127.0.0.1", Port = port }, cancellationToken: Cancel);

            var reply = await connection.ExecuteAsync("GET"u8, "k");

            Assert.Equal("hello", reply[0].AsString());
            Assert.Equal(42, reply[1].AsInt64());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task ServerKilledMidTraffic_InFlightFailClearly_ClientReconnects_AcknowledgedWritesSurvive()
    {
        await using var server = await RedisServerProcess.StartRedisAsync("--appendonly", "yes", "--appendfsync", "always");
        var options = server.ClientOptions();
        options.CommandTimeout = TimeSpan.FromSeconds(2);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
        await using var connection = await RedisConnection.ConnectAsync(options, cancellationToken: Cancel);
        await using var blocked = await RedisConnection.ConnectAsync(options, cancellationToken: Cancel);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        var acked = new SemaphoreSlim(0);

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = $"kill:{w}:{n}";
                var value = $"value {w} {n}";
                try
                {
                    await connection.ExecuteAsync("SET"u8, key, value);
                    acknowledged[key] = value;
                    acked.Release();
                }
                catch (RedisException e)
                {
                    failures.Add(e);
                }
            }
        })).ToArray();

        // Certainly in flight at the kill: a BLPOP that the server holds.
        var inFlight = blocked.ExecuteAsync("BLPOP"u8, ["kill:never", 0], TimeSpan.FromMinutes(1), Cancel).AsTask();
        for (var i = 0; i < 300; i++)
        {
            Assert.True(await acked.WaitAsync(TimeSpan.FromSeconds(10), Cancel), "writers made no progress");
        }
        await server.KillAsync();

        var lost = await Assert.ThrowsAsync<RedisConnectionException>(() => inFlight);
        Assert.StartsWith($"The connection to 127.0.0.1:{server.Port} was lost before BLPOP got its reply (", lost.Message);
        Assert.EndsWith("); the command may or may not have been executed.", lost.Message);
        await WaitUntilAsync(() => !failures.IsEmpty, TimeSpan.FromSeconds(10));

        await server.RestartAsync();
        await connection.WaitUntilConnectedAsync(TimeSpan.FromSeconds(10), Cancel);
        var before = acknowledged.Count;
        await WaitUntilAsync(() => acknowledged.Count >= before + 100, TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Lost or not re-established in time; or, right after the restart, refused while Redis replays its AOF.
        Assert.All(failures, e => Assert.True(e is RedisConnectionException or RedisLoadingException, e.ToString()));
        Assert.Contains(failures, e => e is RedisConnectionException);
        var keys = acknowledged.Keys.ToArray();
        var values = await connection.ExecuteAsync("MGET"u8, keys.Select(k => (RedisArg)k).ToArray(), TimeSpan.FromSeconds(30), Cancel);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(acknowledged[keys[i]], values[i].AsString());
        }
        Assert.True(connection.ConnectionCount >= 2);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan bound)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < bound, $"condition not met within {bound}");
            await Task.Delay(20, Cancel);
        }
    }
}
