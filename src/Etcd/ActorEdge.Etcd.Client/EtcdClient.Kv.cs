using System.Text;
using ActorEdge.Etcd.Protocol;
using Google.Protobuf;

namespace ActorEdge.Etcd;

public sealed partial class EtcdClient
{
    internal const string RangePath = "/etcdserverpb.KV/Range";
    internal const string PutPath = "/etcdserverpb.KV/Put";
    internal const string DeleteRangePath = "/etcdserverpb.KV/DeleteRange";
    internal const string TxnPath = "/etcdserverpb.KV/Txn";
    internal const string CompactPath = "/etcdserverpb.KV/Compact";

    /// <summary>Reads a key, or a range of keys (see <see cref="EtcdGetOptions"/>). Linearizable unless asked otherwise.</summary>
    public async Task<EtcdRangeResult> GetAsync(string key, EtcdGetOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= DefaultGet;
        var response = await CallAsync(RangePath, Range(key, options), RangeResponse.Parser, options.Serializable ? CallKind.Read : CallKind.LinearizableRead, cancellationToken).ConfigureAwait(false);
        return ToResult(response);
    }

    /// <summary>Reads one key; null when it does not exist.</summary>
    public async Task<EtcdKeyValue?> GetValueAsync(string key, bool serializable = false, CancellationToken cancellationToken = default)
    {
        var result = await GetAsync(key, serializable ? SerializableGet : DefaultGet, cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? null : result.Kvs[0];
    }

    /// <summary>Writes a key. The memory of <paramref name="value"/> must not change until the call completes.</summary>
    public async Task<EtcdPutResult> PutAsync(string key, ReadOnlyMemory<byte> value, long lease = 0, bool prevKv = false, CancellationToken cancellationToken = default)
    {
        var request = new PutRequest { Key = EtcdCompare.Utf8(key), Value = UnsafeByteOperations.UnsafeWrap(value), Lease = lease, PrevKv = prevKv };
        var response = await CallAsync(PutPath, request, PutResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        return new EtcdPutResult(response.Header.Revision, response.PrevKv is null ? null : new EtcdKeyValue(response.PrevKv));
    }

    /// <summary>Writes a key with a UTF-8 text value.</summary>
    public Task<EtcdPutResult> PutAsync(string key, string value, long lease = 0, bool prevKv = false, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), lease, prevKv, cancellationToken);

    /// <summary>Deletes a key, or every key with the prefix.</summary>
    public async Task<EtcdDeleteResult> DeleteAsync(string key, bool prefix = false, bool prevKv = false, CancellationToken cancellationToken = default)
    {
        var request = new DeleteRangeRequest { Key = EtcdCompare.Utf8(key), PrevKv = prevKv };
        if (prefix)
        {
            request.RangeEnd = PrefixEnd(request.Key);
        }
        var response = await CallAsync(DeleteRangePath, request, DeleteRangeResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        return new EtcdDeleteResult(response.Header.Revision, response.Deleted, EtcdKeyValue.From(response.PrevKvs));
    }

    /// <summary>Runs a transaction atomically.</summary>
    public async Task<EtcdTxnResult> TxnAsync(EtcdTxn txn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txn);
        var response = await CallAsync(TxnPath, txn.Proto, TxnResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        return ToResult(response);
    }

    /// <summary>
    /// Compacts the history up to <paramref name="revision"/>: older versions of keys are dropped
    /// and watches cannot start before it. With <paramref name="physical"/>, waits until the space is reclaimed in the backend.
    /// </summary>
    /// <returns>The store revision when the compaction was applied.</returns>
    public async Task<long> CompactAsync(long revision, bool physical = false, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await CallAsync(CompactPath, new CompactionRequest { Revision = revision, Physical = physical }, CompactionResponse.Parser, CallKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
            return response.Header.Revision;
        }
        catch (EtcdCompactedException e)
        {
            throw new EtcdCompactedException(0, revision, e.InnerException);
        }
    }

    internal static readonly EtcdGetOptions DefaultGet = new();

    internal static readonly EtcdGetOptions SerializableGet = new() { Serializable = true };

    internal static RangeRequest Range(string key, EtcdGetOptions options)
    {
        var request = new RangeRequest
        {
            Key = EtcdCompare.Utf8(key),
            Limit = options.Limit,
            Serializable = options.Serializable,
            KeysOnly = options.KeysOnly,
            Revision = options.Revision,
        };
        if (options.Prefix)
        {
            request.RangeEnd = PrefixEnd(request.Key);
        }
        return request;
    }

    /// <summary>The end of the range of keys starting with <paramref name="prefix"/>: the prefix with its last byte below 0xff incremented.</summary>
    internal static ByteString PrefixEnd(ByteString prefix)
    {
        var bytes = prefix.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(0, i + 1));
            }
        }
        // Every byte is 0xff (or the prefix is empty): the range runs to the end of the key space.
        return ByteString.CopyFrom(0);
    }

    internal static EtcdRangeResult ToResult(RangeResponse response) =>
        new(EtcdKeyValue.From(response.Kvs), response.Header?.Revision ?? 0, response.More, response.Count);

    internal static EtcdTxnResult ToResult(TxnResponse response)
    {
        var results = new EtcdOpResult[response.Responses.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var op = response.Responses[i];
            results[i] = op.ResponseCase switch
            {
                ResponseOp.ResponseOneofCase.ResponseRange => new EtcdOpResult(ToResult(op.ResponseRange), null, null),
                ResponseOp.ResponseOneofCase.ResponsePut => new EtcdOpResult(null, new EtcdPutResult(op.ResponsePut.Header?.Revision ?? 0, op.ResponsePut.PrevKv is null ? null : new EtcdKeyValue(op.ResponsePut.PrevKv)), null),
                ResponseOp.ResponseOneofCase.ResponseDeleteRange => new EtcdOpResult(null, null, new EtcdDeleteResult(op.ResponseDeleteRange.Header?.Revision ?? 0, op.ResponseDeleteRange.Deleted, EtcdKeyValue.From(op.ResponseDeleteRange.PrevKvs))),
                _ => new EtcdOpResult(null, null, null),
            };
        }
        return new EtcdTxnResult(response.Succeeded, response.Header.Revision, results);
    }
}
