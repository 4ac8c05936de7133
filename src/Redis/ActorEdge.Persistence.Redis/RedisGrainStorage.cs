using System.Buffers.Binary;
using System.Security.Cryptography;
using ActorEdge.Redis;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Redis;

/// <summary>
/// Grain state in a Redis hash per state, <c>{KeyPrefix}{serviceId}/{grainType}/{key}/{stateName}</c>,
/// with two fields: <c>etag</c> (opaque version) and <c>data</c> (the serialized state), so
/// <c>redis-cli HGETALL</c> shows a state as stored. Writes and clears are compare-and-set Lua
/// scripts: a stale ETag changes nothing and throws <see cref="InconsistentStateException"/>.
/// </summary>
internal sealed partial class RedisGrainStorage : IGrainStorage, IAsyncDisposable
{
    // KEYS[1] state; ARGV: expected ETag ("" = no record), new ETag, data, expiry in ms ("0" = none).
    // Returns 1 when written, else the stored ETag ("" = no record).
    internal static readonly RedisScript WriteScript = new("""
        local current = ''
        if redis.call('HEXISTS', KEYS[1], 'data') == 1 then current = redis.call('HGET', KEYS[1], 'etag') or '' end
        if current ~= ARGV[1] then return current end
        redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3])
        if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
        return 1
        """);

    // KEYS[1] state; ARGV: expected ETag, "1" to delete or "0" to keep a tombstone, tombstone ETag.
    internal static readonly RedisScript ClearScript = new("""
        local current = ''
        if redis.call('HEXISTS', KEYS[1], 'data') == 1 then current = redis.call('HGET', KEYS[1], 'etag') or '' end
        if current ~= ARGV[1] then return current end
        if current == '' then return 1 end
        if ARGV[2] == '1' then
          redis.call('DEL', KEYS[1])
        else
          redis.call('HDEL', KEYS[1], 'data')
          redis.call('HSET', KEYS[1], 'etag', ARGV[3])
        end
        return 1
        """);

    private readonly string _name;
    private readonly string _keyPrefix;
    private readonly RedisStorageOptions _options;
    private readonly RedisClient _client;
    private readonly ILogger _logger;
    private readonly long _expiryMilliseconds;

    public RedisGrainStorage(string name, string serviceId, RedisStorageOptions options, ILogger<RedisGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _logger = logger;
        _keyPrefix = $"{options.KeyPrefix}{serviceId}/";
        _expiryMilliseconds = options.EntryExpiry is { } expiry ? Math.Max(1, (long)expiry.TotalMilliseconds) : 0;
        _client = new RedisClient(options.ToClientOptions(), logger);
        LogInformationCreated(_logger, name, options.ToString());
    }

    /// <summary>The key of a state: <c>{KeyPrefix}{serviceId}/{grainType}/{key}/{stateName}</c>.</summary>
    public string KeyOf(GrainId grainId, string stateName) => $"{_keyPrefix}{grainId.Type}/{grainId.Key}/{stateName}";

    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(grainId, stateName);
        RedisReply reply;
        try
        {
            reply = await WhileLoadingAsync(connection => connection.ExecuteAsync("HMGET"u8, [key, "etag", "data"], null, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw Failure("read", key, e);
        }
        if (reply.Type != RedisReplyType.Array || reply.Length != 2)
        {
            throw new RedisStorageException($"Redis grain storage '{_name}': HMGET of '{key}' returned {reply}, not two fields.");
        }
        var data = reply[1];
        if (data.IsNull)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        var etag = reply[0].AsString() ?? string.Empty;
        try
        {
            grainState.State = Serializer.Deserialize<TState>(data.Bytes.Span);
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"The state stored in Redis key '{key}' (ETag {etag}, {data.Bytes.Length} bytes) cannot be read as {typeof(TState).Name}: {e.Message}", e);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(grainId, stateName);
        var data = Serializer.SerializeToArray(grainState.State);
        if (data.Length > _options.MaxStateBytes)
        {
            throw new RedisStorageException($"Redis grain storage '{_name}': the state for '{key}' is {data.Length} bytes, more than MaxStateBytes ({_options.MaxStateBytes}); nothing was written.");
        }
        var expected = grainState.ETag ?? string.Empty;
        var etag = NewEtag();
        RedisReply reply;
        try
        {
            reply = await WhileLoadingAsync(connection => connection.EvaluateAsync(WriteScript, [key], [expected, etag, data, _expiryMilliseconds], null, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw Failure("write", key, e);
        }
        ThrowIfConflict(reply, "write", key, grainState.ETag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(grainId, stateName);
        RedisReply reply;
        try
        {
            var clearEtag = NewEtag();
            reply = await WhileLoadingAsync(connection => connection.EvaluateAsync(ClearScript, [key], [grainState.ETag ?? string.Empty, _options.DeleteStateOnClear ? "1" : "0", clearEtag], null, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw Failure("clear", key, e);
        }
        ThrowIfConflict(reply, "clear", key, grainState.ETag);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>
    /// Runs a command, retrying while a restarted server is still loading its dataset: a LOADING
    /// reply means the command was not executed, so sending it again cannot apply it twice.
    /// </summary>
    private async Task<RedisReply> WhileLoadingAsync(Func<RedisConnection, ValueTask<RedisReply>> command, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(_options.LoadingRetryTimeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            try
            {
                var connection = await _client.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await command(connection).ConfigureAwait(false);
            }
            catch (RedisLoadingException) when (TimeProvider.System.GetTimestamp() < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    private void ThrowIfConflict(in RedisReply reply, string operation, string key, string? etag)
    {
        if (reply.Type == RedisReplyType.Integer && reply.AsInt64() == 1)
        {
            return;
        }
        if (reply.Type is RedisReplyType.BulkString or RedisReplyType.SimpleString)
        {
            var stored = reply.AsString();
            throw new InconsistentStateException($"Redis grain storage '{_name}': the {operation} of '{key}' was refused, the state was changed by another writer", string.IsNullOrEmpty(stored) ? null : stored, etag);
        }
        throw new RedisStorageException($"Redis grain storage '{_name}': the {operation} script for '{key}' returned {reply}.");
    }

    private RedisStorageException Failure(string operation, string key, RedisException e)
    {
        LogWarningFailed(_logger, _name, operation, key, e.Message);
        return new RedisStorageException($"Redis grain storage '{_name}' could not {operation} '{key}': {e.Message}", e);
    }

    // 64 random bits in hex: unique across clears and rewrites, unlike a counter that restarts
    // when a hash is deleted (which would let a writer holding an ETag from before the clear win).
    private static string NewEtag()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis grain storage '{Name}' created: {Options}")]
    private static partial void LogInformationCreated(ILogger logger, string name, string options);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis grain storage '{Name}' could not {Operation} '{Key}': {Reason}")]
    private static partial void LogWarningFailed(ILogger logger, string name, string operation, string key, string reason);
}
