using ActorEdge.Redis;
using ActorEdge.Redis.Testing;
using ActorEdge.Serialization;
using ActorEdge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ActorEdge.Persistence.Redis;

public sealed class RedisGrainStorageTests(RedisServerFixture fixture) : GrainStorageTestsBase, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private RedisGrainStorage _storage = null!;

    protected override IGrainStorage Storage => _storage;

    private RedisServerProcess Server => fixture.Server;

    public ValueTask InitializeAsync()
    {
        _storage = Create();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    internal static RedisGrainStorage Create(RedisServerProcess server, Action<RedisStorageOptions>? configure = null, string serviceId = "svc")
    {
        var options = new RedisStorageOptions { Host = "127.0.0.1", Port = server.Port };
        configure?.Invoke(options);
        return new RedisGrainStorage("test", serviceId, options, NullLogger<RedisGrainStorage>.Instance);
    }

    private RedisGrainStorage Create(Action<RedisStorageOptions>? configure = null) => Create(Server, configure);

    [Fact]
    public async Task WriteStateAsync_RedisCliReadsExactlyWhatWasWritten()
    {
        var grain = NewGrainId("cli");
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "visible", Count = 7 });

        await _storage.WriteStateAsync("profile", grain, state, TestContext.Current.CancellationToken);

        var key = $"svc/cli/{grain.Key}/profile";
        Assert.Equal("hash", await Server.CliAsync("TYPE", key));
        Assert.Equal("etag\ndata", await Server.CliAsync("HKEYS", key));
        Assert.Equal(state.ETag, await Server.CliAsync("HGET", key, "etag"));
        var data = await Server.CliRawAsync("--raw", "HGET", key, "data");
        Assert.Equal([.. Serializer.SerializeToArray(state.State), (byte)'\n'], data);
    }

    [Fact]
    public async Task ReadStateAsync_CorruptStoredBytes_ThrowsSerializationExceptionNamingTheKey()
    {
        var grain = NewGrainId("corrupt");
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "fine" });
        await _storage.WriteStateAsync("s", grain, state, TestContext.Current.CancellationToken);
        var key = $"svc/corrupt/{grain.Key}/s";
        await Server.CliAsync("HSET", key, "data", "\u00ff\u00ff\u00ff garbage");

        var error = await Assert.ThrowsAsync<SerializationException>(() => _storage.ReadStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken));

        Assert.StartsWith($"The state stored in Redis key '{key}' (ETag {state.ETag}, ", error.Message);
        Assert.Contains("cannot be read as ConformanceState", error.Message);
        Assert.IsType<SerializationException>(error.InnerException);
    }

    [Fact]
    public async Task WriteStateAsync_StateLargerThanLimit_ThrowsAndWritesNothing()
    {
        await using var storage = Create(o => o.MaxStateBytes = 1000);
        var grain = NewGrainId("large");

        var error = await Assert.ThrowsAsync<RedisStorageException>(() => storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[2000] }), TestContext.Current.CancellationToken));

        Assert.StartsWith($"Redis grain storage 'test': the state for 'svc/large/{grain.Key}/s' is ", error.Message);
        Assert.EndsWith("bytes, more than MaxStateBytes (1000); nothing was written.", error.Message);
        Assert.Equal("0", await Server.CliAsync("EXISTS", $"svc/large/{grain.Key}/s"));
    }

    [Fact]
    public async Task WriteStateAsync_EntryExpiry_SetsTtlOnTheHash()
    {
        await using var storage = Create(o => o.EntryExpiry = TimeSpan.FromMinutes(10));
        var grain = NewGrainId("expiring");

        await storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken);

        var ttl = long.Parse(await Server.CliAsync("PTTL", $"svc/expiring/{grain.Key}/s"));
        Assert.InRange(ttl, 1, 600_000);
        Assert.Equal("-1", await Server.CliAsync("PTTL", await WriteWithDefaultsAsync()));
    }

    private async Task<string> WriteWithDefaultsAsync()
    {
        var grain = NewGrainId("lasting");
        await _storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken);
        return $"svc/lasting/{grain.Key}/s";
    }

    [Fact]
    public async Task ClearStateAsync_KeepTombstone_LeavesOnlyTheEtagAndReadsAsNoRecord()
    {
        await using var storage = Create(o => o.DeleteStateOnClear = false);
        var grain = NewGrainId("tomb");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await storage.WriteStateAsync("s", grain, state, TestContext.Current.CancellationToken);
        var written = state.ETag;

        await storage.ClearStateAsync("s", grain, state, TestContext.Current.CancellationToken);

        var key = $"svc/tomb/{grain.Key}/s";
        Assert.Equal("etag", await Server.CliAsync("HKEYS", key));
        Assert.NotEqual(written, await Server.CliAsync("HGET", key, "etag"));
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()) { ETag = written }, TestContext.Current.CancellationToken));
        await storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Count = 2 }), TestContext.Current.CancellationToken);
        await storage.ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal(2, read.State.Count);
    }

    [Fact]
    public async Task WriteStateAsync_KeyPrefixAndServiceId_PrefixTheKey()
    {
        await using var storage = Create(Server, o => o.KeyPrefix = "edge:", serviceId: "shop");
        var grain = NewGrainId("cart");

        await storage.WriteStateAsync("items", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken);

        Assert.Equal($"edge:shop/cart/{grain.Key}/items", await Server.CliAsync("KEYS", $"*{grain.Key}*"));
    }

    [Fact]
    public async Task WriteStateAsync_StaleEtag_ErrorNamesKeyAndBothEtags()
    {
        var grain = NewGrainId("stale");
        var state = new GrainState<ConformanceState>(new ConformanceState());
        await _storage.WriteStateAsync("s", grain, state, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()) { ETag = "0123456789abcdef" }, TestContext.Current.CancellationToken));

        Assert.Equal(state.ETag, error.StoredEtag);
        Assert.Equal("0123456789abcdef", error.CurrentEtag);
        Assert.Equal($"Redis grain storage 'test': the write of 'svc/stale/{grain.Key}/s' was refused, the state was changed by another writer (stored ETag: {state.ETag}, ETag of the write: 0123456789abcdef)", error.Message);
    }

    [Fact]
    public async Task ReadStateAsync_ServerUnreachable_ThrowsStorageExceptionNamingTheKey()
    {
        await using var storage = new RedisGrainStorage("down", "svc", new RedisStorageOptions { Host = "127.0.0.1", Port = 1, ConnectTimeout = TimeSpan.FromSeconds(2) }, NullLogger<RedisGrainStorage>.Instance);
        var grain = NewGrainId("down");

        var error = await Assert.ThrowsAsync<RedisStorageException>(() => storage.ReadStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken));

        Assert.StartsWith($"Redis grain storage 'down' could not read 'svc/down/{grain.Key}/s': Could not connect to 127.0.0.1:1", error.Message);
        Assert.IsType<RedisConnectionException>(error.InnerException);
    }
}

public sealed class GarnetGrainStorageTests(GarnetServerFixture fixture) : GrainStorageTestsBase, IClassFixture<GarnetServerFixture>, IAsyncLifetime
{
    private RedisGrainStorage _storage = null!;

    protected override IGrainStorage Storage => _storage;

    public ValueTask InitializeAsync()
    {
        _storage = RedisGrainStorageTests.Create(fixture.Server);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _storage.DisposeAsync();
}

/// <summary>The provider across a redis-server crash, with every write fsynced before it is acknowledged.</summary>
public sealed class RedisGrainStorageRestartTests
{
    [Fact]
    public async Task Storage_ServerKilledAndRestarted_ReconnectsAndKeepsAcknowledgedState()
    {
        await using var server = await RedisServerProcess.StartRedisAsync("--appendonly", "yes", "--appendfsync", "always");
        await using var storage = RedisGrainStorageTests.Create(server, o => (o.CommandTimeout, o.ConfigureClient) = (TimeSpan.FromSeconds(2), c => c.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200)));
        var grain = new GrainId("restart", Guid.NewGuid().ToString("N"));
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "before", Count = 1 });
        await storage.WriteStateAsync("s", grain, state, TestContext.Current.CancellationToken);

        await server.KillAsync();
        var whileDown = await Assert.ThrowsAsync<RedisStorageException>(() => storage.ReadStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken));
        await server.RestartAsync();

        // Commands wait for the reconnection within their timeout.
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.Equal("before", read.State.Name);
        Assert.Equal(state.ETag, read.ETag);
        read.State.Name = "after";
        await storage.WriteStateAsync("s", grain, read, TestContext.Current.CancellationToken);
        Assert.IsType<RedisConnectionException>(whileDown.InnerException);
    }
}

/// <summary>A server that restarted and is still loading its dataset refuses commands with LOADING.</summary>
public sealed class RedisGrainStorageLoadingTests
{
    private static readonly byte[] Loading = "-LOADING Redis is loading the dataset in memory\r\n"u8.ToArray();
    private static readonly byte[] NoRecord = "*2\r\n$-1\r\n$-1\r\n"u8.ToArray();

    [Fact]
    public async Task ReadStateAsync_ServerLoadingTwice_RetriesUntilItAnswers()
    {
        var attempts = 0;
        await using var server = new FakeRedisServer((command, _) => command == "HMGET" ? (Interlocked.Increment(ref attempts) <= 2 ? Loading : NoRecord) : null);
        await using var storage = Create(server, TimeSpan.FromSeconds(10));
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "kept" });

        await storage.ReadStateAsync("s", new GrainId("loading", "a"), state, TestContext.Current.CancellationToken);

        Assert.Equal(3, attempts);
        Assert.False(state.RecordExists);
        Assert.Equal("kept", state.State.Name);
    }

    [Fact]
    public async Task ReadStateAsync_ServerStillLoadingAfterTheRetryTimeout_ThrowsStorageExceptionNamingLoading()
    {
        await using var server = new FakeRedisServer((command, _) => command == "HMGET" ? Loading : null);
        await using var storage = Create(server, TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<RedisStorageException>(() => storage.ReadStateAsync("s", new GrainId("loading", "b"), new GrainState<ConformanceState>(new ConformanceState()), TestContext.Current.CancellationToken));

        Assert.IsType<RedisLoadingException>(error.InnerException);
        Assert.Contains("LOADING", error.Message, StringComparison.Ordinal);
    }

    private static RedisGrainStorage Create(FakeRedisServer server, TimeSpan loadingRetry)
    {
        var options = new RedisStorageOptions { Host = "127.0.0.1", Port = server.Port, LoadingRetryTimeout = loadingRetry };
        return new RedisGrainStorage("test", "svc", options, NullLogger<RedisGrainStorage>.Instance);
    }
}
