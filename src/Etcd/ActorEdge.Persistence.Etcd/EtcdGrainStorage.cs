using System.Globalization;
using ActorEdge.Etcd;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd;

/// <summary>
/// Grain storage in etcd. Each grain state is one key, <c>{prefix}/{grainType}/{key}/{stateName}</c>,
/// holding the serialized state; its ETag is the key's mod revision. Writes and clears are
/// transactions guarded by that revision (create revision 0 for a first write), so a stale ETag
/// changes nothing and throws <see cref="InconsistentStateException"/>. Concurrent writes of
/// different states are combined into shared transactions by an <see cref="EtcdWriteBatcher"/>,
/// each keeping its own compare.
/// </summary>
internal sealed partial class EtcdGrainStorage : IGrainStorage, IAsyncDisposable, IDisposable
{
    private readonly string _name;
    private readonly string _prefix;
    private readonly EtcdStorageOptions _options;
    private readonly EtcdClient _client;
    private readonly bool _ownsClient;
    private readonly ILogger _logger;
    private readonly EtcdHistoryCompactor? _compactor;
    private readonly EtcdWriteBatcher? _batcher;

    public EtcdGrainStorage(string name, string keyPrefix, EtcdStorageOptions options, EtcdClient client, bool ownsClient, ILogger logger, TimeProvider timeProvider)
    {
        _name = name;
        _prefix = keyPrefix;
        _options = options;
        _client = client;
        _ownsClient = ownsClient;
        _logger = logger;
        if (options.CompactionInterval is { } interval && interval > TimeSpan.Zero)
        {
            _compactor = new EtcdHistoryCompactor(client, interval, options.CompactionRetainedRevisions, logger, timeProvider);
        }
        if (options.MaxWritesPerTransaction > 1)
        {
            _batcher = new EtcdWriteBatcher(client, options.MaxWritesPerTransaction, options.Client.MaxRequestBytes);
        }
        LogInformationCreated(logger, name, options.ToString());
    }

    /// <summary>The compactor, when compaction is on (its last status gives the db size).</summary>
    internal EtcdHistoryCompactor? Compactor => _compactor;

    /// <summary>The write batcher, when batching is on.</summary>
    internal EtcdWriteBatcher? Batcher => _batcher;

    /// <summary>The first segment of every key.</summary>
    internal string Prefix => _prefix;

    /// <summary>The provider's name.</summary>
    internal string Name => _name;

    /// <summary>The provider's options.</summary>
    internal EtcdStorageOptions Options => _options;

    /// <summary>The client of the provider's etcd.</summary>
    internal EtcdClient Client => _client;

    internal string KeyOf(string stateName, GrainId grainId) => $"{_prefix}/{grainId.Type}/{grainId.Key}/{stateName}";

    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(stateName, grainId);
        EtcdKeyValue? kv;
        try
        {
            kv = _options.Migration == EtcdMigrationMode.Replicated
                ? await ReadCheckedAsync(key, grainState.ETag, cancellationToken).ConfigureAwait(false)
                : await _client.GetValueAsync(key, _options.SerializableReads, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            throw Wrap("read", key, e);
        }
        if (kv is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        Decode(key, kv.Value.Span, kv.ModRevision, grainState);
    }

    /// <summary>Sets <paramref name="grainState"/> from the record stored under <paramref name="key"/> at <paramref name="modRevision"/>.</summary>
    internal void Decode<TState>(string key, ReadOnlySpan<byte> value, long modRevision, IGrainState<TState> grainState)
    {
        var etag = FormatEtag(modRevision);
        try
        {
            grainState.State = Serializer.Deserialize<TState>(value);
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"The state stored in etcd under '{key}' (ETag {etag}) cannot be read as {typeof(TState).Name}: {e.Message}", e);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(stateName, grainId);
        var expected = ExpectedRevision(key, grainState.ETag, "Write");
        // Pooled: nothing reads the value once the write's task has ended (the client encodes each
        // attempt's request synchronously, and the batcher ends a write only after its transaction or
        // before sending it), so a 100 KB state no longer allocates its sizes on the large object heap.
        using var buffer = new PooledBuffer();
        Serializer.Serialize(grainState.State, buffer);
        var estimate = EtcdWriteBatcher.EstimateBytes(key, buffer.Length);
        if (_batcher is not null && _batcher.Accepts(estimate))
        {
            EtcdWriteOutcome outcome;
            try
            {
                outcome = await _batcher.WriteAsync(key, expected, buffer.WrittenMemory, estimate, cancellationToken).ConfigureAwait(false);
            }
            catch (EtcdUnavailableException e) when (CanResolve(e))
            {
                outcome = await ResolveWriteAsync(key, expected, buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            catch (EtcdException e)
            {
                ForgetLowerBound(key);
                throw Wrap("write", key, e);
            }
            catch (OperationCanceledException)
            {
                // Cancelled after it was sent, the write may still be applied.
                ForgetLowerBound(key);
                throw;
            }
            if (!outcome.Succeeded)
            {
                ForgetLowerBound(key);
                throw new InconsistentStateException($"Write of {key} refused: the ETag is stale", outcome.Revision == 0 ? null : FormatEtag(outcome.Revision), grainState.ETag);
            }
            RestoreLowerBound(key);
            grainState.ETag = FormatEtag(outcome.Revision);
            grainState.RecordExists = true;
            return;
        }
        // Alone: batching is off, or the state is large (it may even be over the request size limit).
        var guard = Guard(key, expected);
        EtcdTxnResult result;
        try
        {
            result = await _client.TxnAsync(new EtcdTxn().If(guard).Then(EtcdOp.Put(key, buffer.WrittenMemory)).Else(EtcdOp.Get(key)), cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdUnavailableException e) when (CanResolve(e))
        {
            var resolved = await ResolveWriteAsync(key, expected, buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            if (!resolved.Succeeded)
            {
                throw new InconsistentStateException($"Write of {key} refused: the ETag is stale", resolved.Revision == 0 ? null : FormatEtag(resolved.Revision), grainState.ETag);
            }
            RestoreLowerBound(key);
            grainState.ETag = FormatEtag(resolved.Revision);
            grainState.RecordExists = true;
            return;
        }
        catch (EtcdRequestTooLargeException e)
        {
            throw new EtcdStorageException(
                string.Create(CultureInfo.InvariantCulture, $"The state '{stateName}' of grain {grainId} is {buffer.Length} bytes serialized, over etcd's request size limit of {e.LimitBytes} bytes (--max-request-bytes; EtcdStorageOptions.Client.MaxRequestBytes). Split the state or raise the limit."),
                e);
        }
        catch (EtcdException e)
        {
            ForgetLowerBound(key);
            throw Wrap("write", key, e);
        }
        catch (OperationCanceledException)
        {
            ForgetLowerBound(key);
            throw;
        }
        if (!result.Succeeded)
        {
            ForgetLowerBound(key);
            throw Inconsistent("Write", key, result, grainState.ETag);
        }
        RestoreLowerBound(key);
        grainState.ETag = FormatEtag(result.Revision);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(stateName, grainId);
        var guard = Guard(key, ExpectedRevision(key, grainState.ETag, "Clear"));
        var txn = new EtcdTxn().If(guard).Else(EtcdOp.Get(key));
        if (grainState.ETag is not null)
        {
            txn.Then(EtcdOp.Delete(key));
        }
        EtcdTxnResult result;
        try
        {
            result = await _client.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            ForgetLowerBound(key);
            throw Wrap("clear", key, e);
        }
        catch (OperationCanceledException)
        {
            ForgetLowerBound(key);
            throw;
        }
        if (!result.Succeeded)
        {
            ForgetLowerBound(key);
            throw Inconsistent("Clear", key, result, grainState.ETag);
        }
        RestoreLowerBound(key);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync().ConfigureAwait(false);
        }
        if (_compactor is not null)
        {
            await _compactor.DisposeAsync().ConfigureAwait(false);
        }
        if (_ownsClient)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal static string FormatEtag(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>The mod revision the key must have for the operation to apply; 0: the key must be absent.</summary>
    internal static long ExpectedRevision(string key, string? etag, string operation)
    {
        if (etag is null)
        {
            return 0;
        }
        if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) || revision <= 0)
        {
            throw new InconsistentStateException($"{operation} of {key} refused: '{etag}' is not an ETag of etcd storage (a mod revision)", null, etag);
        }
        return revision;
    }

    private static EtcdCompare Guard(string key, long expectedRevision) => expectedRevision == 0
        ? EtcdCompare.CreateRevision(key, EtcdCompareResult.Equal, 0)
        : EtcdCompare.ModRevision(key, EtcdCompareResult.Equal, expectedRevision);

    private static InconsistentStateException Inconsistent(string operation, string key, EtcdTxnResult result, string? etag)
    {
        var kvs = result.Responses.Count > 0 ? result.Responses[0].Range?.Kvs : null;
        var stored = kvs is { Count: > 0 } ? FormatEtag(kvs[0].ModRevision) : null;
        return new InconsistentStateException($"{operation} of {key} refused: the ETag is stale", stored, etag);
    }

    private EtcdStorageException Wrap(string operation, string key, EtcdException e) => e switch
    {
        EtcdNoSpaceException => new EtcdStorageException($"etcd grain storage '{_name}' cannot {operation} '{key}': {e.Message} History compaction: {(_compactor is null ? "off in this provider" : "on")}.", e),
        EtcdUnavailableException { MayHaveBeenApplied: true } => new EtcdStorageException($"etcd grain storage '{_name}': the {operation} of '{key}' has an unknown outcome ({e.Message}); read the state again before retrying.", e),
        _ => new EtcdStorageException($"etcd grain storage '{_name}' failed to {operation} '{key}': {e.Message}", e),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "etcd grain storage {Name}: {Options}")]
    private static partial void LogInformationCreated(ILogger logger, string name, string options);
}
