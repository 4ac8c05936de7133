using ActorEdge.Redis.Testing;
using Xunit;

namespace ActorEdge.Redis;

/// <summary>The client against a real server; run against redis-server and Garnet.</summary>
public abstract class RedisConnectionTestsBase
{
    protected abstract RedisServerProcess Server { get; }

    protected static string Key(string name) => $"test:{name}:{Guid.NewGuid():N}";

    protected async Task<RedisConnection> ConnectAsync(Action<RedisClientOptions>? configure = null)
    {
        var options = Server.ClientOptions();
        configure?.Invoke(options);
        return await RedisConnection.ConnectAsync(options, cancellationToken: TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100 * 1024)]
    public async Task ExecuteAsync_SetThenGet_RoundTripsBytes(int size)
    {
        await using var connection = await ConnectAsync();
        var key = Key("roundtrip");
        var value = new byte[size];
        new Random(size).NextBytes(value);

        var set = await connection.ExecuteAsync("SET"u8, key, value);
        var get = await connection.ExecuteAsync("GET"u8, key);

        Assert.True(set.IsOk);
        Assert.Equal(RedisReplyType.BulkString, get.Type);
        Assert.Equal(value, get.Bytes.ToArray());
        Assert.True((await connection.ExecuteAsync("GET"u8, Key("missing"))).IsNull);
    }

    [Fact]
    public async Task ExecuteAsync_ManyConcurrentCallers_EachGetsItsOwnRepliesInOrder()
    {
        await using var connection = await ConnectAsync();
        const int callers = 32;
        const int perCaller = 200;
        var prefix = Key("concurrent");

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            // Each caller pipelines its INCRs without waiting, then reads the replies: 1..N in order.
            var key = $"{prefix}:{caller}";
            var pending = new ValueTask<RedisReply>[perCaller];
            for (var i = 0; i < perCaller; i++)
            {
                pending[i] = connection.ExecuteAsync("INCR"u8, key);
            }
            var counts = new long[perCaller];
            for (var i = 0; i < perCaller; i++)
            {
                counts[i] = (await pending[i]).AsInt64();
            }
            var echo = await connection.ExecuteAsync("ECHO"u8, $"caller {caller}");
            return (counts, echo: echo.AsString());
        })));

        for (var caller = 0; caller < callers; caller++)
        {
            Assert.Equal(Enumerable.Range(1, perCaller).Select(i => (long)i), results[caller].counts);
            Assert.Equal($"caller {caller}", results[caller].echo);
        }
        Assert.Equal(1, connection.ConnectionCount);
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReplies_ThrowTypedExceptionsAndTheConnectionStaysUsable()
    {
        await using var connection = await ConnectAsync();
        var key = Key("wrongtype");
        await connection.ExecuteAsync("HSET"u8, key, "f", "v");

        var wrongType = await Assert.ThrowsAsync<RedisWrongTypeException>(async () => await connection.ExecuteAsync("GET"u8, key));
        var unknown = await Assert.ThrowsAsync<RedisServerException>(async () => await connection.ExecuteAsync("NOSUCHCOMMAND"u8, "x"));

        Assert.Equal("WRONGTYPE", wrongType.Prefix);
        Assert.StartsWith("WRONGTYPE ", wrongType.Message);
        Assert.Equal("ERR", unknown.Prefix);
        Assert.Equal("PONG", (await connection.ExecuteAsync("PING"u8)).AsString());
    }

    [Fact]
    public async Task EvaluateAsync_ScriptNotCached_FallsBackToEvalThenUsesTheCache()
    {
        await using var connection = await ConnectAsync();
        var script = new RedisScript($"-- {Guid.NewGuid():N}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");
        var key = Key("script");

        Assert.Equal(0, (await connection.ExecuteAsync("SCRIPT"u8, "EXISTS", script.Sha1))[0].AsInt64());
        var first = await connection.EvaluateAsync(script, [key], [5], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, (await connection.ExecuteAsync("SCRIPT"u8, "EXISTS", script.Sha1))[0].AsInt64());
        var second = await connection.EvaluateAsync(script, [key], [2], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(5, first.AsInt64());
        Assert.Equal(7, second.AsInt64());
    }

    [Fact]
    public async Task EvaluateAsync_ScriptError_ThrowsServerException()
    {
        await using var connection = await ConnectAsync();
        var script = new RedisScript("return redis.error_reply('CUSTOM failed on purpose')");

        var error = await Assert.ThrowsAsync<RedisServerException>(async () => await connection.EvaluateAsync(script, [], [], cancellationToken: TestContext.Current.CancellationToken));

        // Redis passes the error through as is; Garnet prefixes it with ERR.
        Assert.Contains("CUSTOM failed on purpose", error.Message);
    }

    [Fact]
    public async Task ConnectAsync_Resp3_MapsComeBackAsMaps()
    {
        await using var resp3 = await ConnectAsync(o => o.Protocol = RedisProtocol.Resp3);
        await using var resp2 = await ConnectAsync();
        var key = Key("resp3");
        await resp3.ExecuteAsync("HSET"u8, key, "field", "value");

        var map = await resp3.ExecuteAsync("HGETALL"u8, key);
        var array = await resp2.ExecuteAsync("HGETALL"u8, key);

        Assert.Equal(RedisReplyType.Map, map.Type);
        Assert.Equal(RedisReplyType.Array, array.Type);
        Assert.Equal("field=value", $"{map[0].AsString()}={map[1].AsString()}");
        Assert.Equal("field=value", $"{array[0].AsString()}={array[1].AsString()}");
    }

    [Fact]
    public async Task ConnectAsync_Database_SelectsIt()
    {
        await using var connection = await ConnectAsync(o => o.Database = 3);
        var key = Key("db");

        await connection.ExecuteAsync("SET"u8, key, "in three");

        Assert.Equal("in three", await Server.CliAsync("-n", "3", "GET", key));
        Assert.Equal("", await Server.CliAsync("-n", "0", "GET", key));
    }

    [Fact]
    public async Task OpenDedicatedConnectionAsync_BlockingCommand_DoesNotHoldUpTheSharedConnection()
    {
        await using var client = new RedisClient(Server.ClientOptions());
        var shared = await client.GetConnectionAsync(TestContext.Current.CancellationToken);
        await using var dedicated = await client.OpenDedicatedConnectionAsync(TestContext.Current.CancellationToken);
        var list = Key("blocking");

        var popped = dedicated.ExecuteAsync("BLPOP"u8, [list, 10], TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken).AsTask();
        var pong = await shared.ExecuteAsync("PING"u8);
        await shared.ExecuteAsync("RPUSH"u8, list, "item");
        var reply = await popped;

        Assert.Equal("PONG", pong.AsString());
        Assert.Equal($"{list}=item", $"{reply[0].AsString()}={reply[1].AsString()}");
        Assert.Same(shared, await client.GetConnectionAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ExecuteAsync_ReplyLargerThanLimit_FailsClearlyAndTheConnectionRecovers()
    {
        await using var connection = await ConnectAsync(o => o.MaxReplyBytes = 4096);
        var key = Key("large");
        await connection.ExecuteAsync("SET"u8, key, new byte[10_000]);

        var error = await Assert.ThrowsAsync<RedisProtocolException>(async () => await connection.ExecuteAsync("GET"u8, key));
        await connection.WaitUntilConnectedAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var small = await connection.ExecuteAsync("STRLEN"u8, key);

        Assert.StartsWith("The reply is larger than RedisClientOptions.MaxReplyBytes (10000 > 4096 bytes).", error.Message);
        Assert.Contains("GET to 127.0.0.1:", error.Message);
        Assert.Equal(10_000, small.AsInt64());
        Assert.Equal(2, connection.ConnectionCount);
    }
}

public sealed class RedisConnectionTests(RedisServerFixture fixture) : RedisConnectionTestsBase, IClassFixture<RedisServerFixture>
{
    protected override RedisServerProcess Server => fixture.Server;

    [Fact]
    public async Task ConnectAsync_AclUserAndPassword_Authenticates()
    {
        var user = $"user{Guid.NewGuid():N}";
        await Server.CliAsync("ACL", "SETUSER", user, "on", ">s3cret", "~*", "&*", "+@all");

        await using var resp2 = await ConnectAsync(o => (o.User, o.Password) = (user, "s3cret"));
        await using var resp3 = await ConnectAsync(o => (o.User, o.Password, o.Protocol) = (user, "s3cret", RedisProtocol.Resp3));

        Assert.Equal(user, (await resp2.ExecuteAsync("ACL"u8, "WHOAMI")).AsString());
        Assert.Equal(user, (await resp3.ExecuteAsync("ACL"u8, "WHOAMI")).AsString());
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_ThrowsConnectionExceptionWithTheAuthError()
    {
        var user = $"user{Guid.NewGuid():N}";
        await Server.CliAsync("ACL", "SETUSER", user, "on", ">right", "~*", "+@all");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectAsync(o => (o.User, o.Password) = (user, "wrong")));

        var auth = Assert.IsType<RedisAuthenticationException>(error.InnerException);
        Assert.Equal("WRONGPASS", auth.Prefix);
        Assert.StartsWith($"Could not connect to 127.0.0.1:{Server.Port}: WRONGPASS", error.Message);
    }
}

public sealed class GarnetRedisConnectionTests(GarnetServerFixture fixture) : RedisConnectionTestsBase, IClassFixture<GarnetServerFixture>
{
    protected override RedisServerProcess Server => fixture.Server;
}
