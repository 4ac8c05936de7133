using System.Text;
using ActorEdge.Etcd.Protocol;
using Google.Protobuf;

namespace ActorEdge.Etcd;

/// <summary>A key and its value at a revision.</summary>
public sealed class EtcdKeyValue
{
    internal EtcdKeyValue(KeyValue kv)
    {
        Key = kv.Key.Memory;
        Value = kv.Value.Memory;
        CreateRevision = kv.CreateRevision;
        ModRevision = kv.ModRevision;
        Version = kv.Version;
        Lease = kv.Lease;
    }

    /// <summary>The key bytes.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The value bytes.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The revision of the key's creation (since its last deletion).</summary>
    public long CreateRevision { get; }

    /// <summary>The revision of the key's last modification.</summary>
    public long ModRevision { get; }

    /// <summary>How many times the key was written since its creation (1 after the first write).</summary>
    public long Version { get; }

    /// <summary>The lease the key is attached to, or 0.</summary>
    public long Lease { get; }

    /// <summary>The key as UTF-8 text.</summary>
    public string KeyString => Encoding.UTF8.GetString(Key.Span);

    /// <summary>The value as UTF-8 text.</summary>
    public string ValueString => Encoding.UTF8.GetString(Value.Span);

    internal static IReadOnlyList<EtcdKeyValue> From(Google.Protobuf.Collections.RepeatedField<KeyValue> kvs)
    {
        if (kvs.Count == 0)
        {
            return [];
        }
        var result = new EtcdKeyValue[kvs.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new EtcdKeyValue(kvs[i]);
        }
        return result;
    }
}

/// <summary>The result of a range read.</summary>
/// <param name="Kvs">The keys found, in key order.</param>
/// <param name="Revision">The store revision the read observed.</param>
/// <param name="More">Whether the limit cut the result short.</param>
/// <param name="Count">How many keys are in the range (regardless of the limit).</param>
public sealed record EtcdRangeResult(IReadOnlyList<EtcdKeyValue> Kvs, long Revision, bool More, long Count);

/// <summary>The result of a put.</summary>
/// <param name="Revision">The store revision of the write (the key's new mod revision).</param>
/// <param name="PrevKv">The previous key-value, when asked for and present.</param>
public sealed record EtcdPutResult(long Revision, EtcdKeyValue? PrevKv);

/// <summary>The result of a delete.</summary>
/// <param name="Revision">The store revision after the delete.</param>
/// <param name="Deleted">How many keys were deleted.</param>
/// <param name="PrevKvs">The deleted key-values, when asked for.</param>
public sealed record EtcdDeleteResult(long Revision, long Deleted, IReadOnlyList<EtcdKeyValue> PrevKvs);

/// <summary>How a range read is done.</summary>
public sealed class EtcdGetOptions
{
    /// <summary>Read every key starting with the key. <value>Default false.</value></summary>
    public bool Prefix { get; set; }

    /// <summary>At most this many keys; 0 for no limit. <value>Default 0.</value></summary>
    public long Limit { get; set; }

    /// <summary>
    /// Serve the read from the contacted member's local state without consensus (may be stale,
    /// but costs no round trip to the leader). <value>Default false: linearizable.</value>
    /// </summary>
    public bool Serializable { get; set; }

    /// <summary>Return only keys. <value>Default false.</value></summary>
    public bool KeysOnly { get; set; }

    /// <summary>Read at this past revision; 0 for the newest. <value>Default 0.</value></summary>
    public long Revision { get; set; }
}

/// <summary>The comparison operators of a transaction guard.</summary>
public enum EtcdCompareResult
{
    /// <summary>Equal.</summary>
    Equal = 0,
    /// <summary>Greater than.</summary>
    Greater = 1,
    /// <summary>Less than.</summary>
    Less = 2,
    /// <summary>Not equal.</summary>
    NotEqual = 3,
}

/// <summary>A guard of a transaction: compares one field of a key with a value.</summary>
public sealed class EtcdCompare
{
    private EtcdCompare(Compare compare) => Proto = compare;

    internal Compare Proto { get; }

    /// <summary>Compares the key's value.</summary>
    public static EtcdCompare Value(string key, EtcdCompareResult result, ReadOnlyMemory<byte> value) =>
        new(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Value, Result = (Compare.Types.CompareResult)result, Value = UnsafeByteOperations.UnsafeWrap(value) });

    /// <summary>Compares the key's version (0 when the key does not exist).</summary>
    public static EtcdCompare Version(string key, EtcdCompareResult result, long version) =>
        new(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Version, Result = (Compare.Types.CompareResult)result, Version = version });

    /// <summary>Compares the key's create revision (0 when the key does not exist).</summary>
    public static EtcdCompare CreateRevision(string key, EtcdCompareResult result, long revision) =>
        new(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Create, Result = (Compare.Types.CompareResult)result, CreateRevision = revision });

    /// <summary>Compares the key's mod revision (0 when the key does not exist).</summary>
    public static EtcdCompare ModRevision(string key, EtcdCompareResult result, long revision) =>
        new(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Mod, Result = (Compare.Types.CompareResult)result, ModRevision = revision });

    /// <summary>Compares the key's lease (0 when none).</summary>
    public static EtcdCompare Lease(string key, EtcdCompareResult result, long lease) =>
        new(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Lease, Result = (Compare.Types.CompareResult)result, Lease = lease });

    internal static ByteString Utf8(string key) => ByteString.CopyFromUtf8(key);
}

/// <summary>An operation of a transaction.</summary>
public sealed class EtcdOp
{
    private EtcdOp(RequestOp op) => Proto = op;

    internal RequestOp Proto { get; }

    /// <summary>Writes <paramref name="value"/> (the memory must not change until the call completes).</summary>
    public static EtcdOp Put(string key, ReadOnlyMemory<byte> value, long lease = 0, bool prevKv = false) =>
        new(new RequestOp { RequestPut = new PutRequest { Key = EtcdCompare.Utf8(key), Value = UnsafeByteOperations.UnsafeWrap(value), Lease = lease, PrevKv = prevKv } });

    /// <summary>Reads a key (or a prefix); with <paramref name="keysOnly"/>, its revisions without the value.</summary>
    public static EtcdOp Get(string key, bool prefix = false, bool keysOnly = false) =>
        new(new RequestOp { RequestRange = EtcdClient.Range(key, new EtcdGetOptions { Prefix = prefix, KeysOnly = keysOnly }) });

    /// <summary>Deletes a key (or a prefix).</summary>
    public static EtcdOp Delete(string key, bool prefix = false, bool prevKv = false)
    {
        var request = new DeleteRangeRequest { Key = EtcdCompare.Utf8(key), PrevKv = prevKv };
        if (prefix)
        {
            request.RangeEnd = EtcdClient.PrefixEnd(request.Key);
        }
        return new(new RequestOp { RequestDeleteRange = request });
    }
}

/// <summary>A transaction: if every guard holds, the Then operations run, else the Else operations; atomically.</summary>
public sealed class EtcdTxn
{
    internal TxnRequest Proto { get; } = new();

    /// <summary>Adds guards (all must hold).</summary>
    public EtcdTxn If(params ReadOnlySpan<EtcdCompare> compares)
    {
        foreach (var compare in compares)
        {
            Proto.Compare.Add(compare.Proto);
        }
        return this;
    }

    /// <summary>Adds operations run when the guards hold.</summary>
    public EtcdTxn Then(params ReadOnlySpan<EtcdOp> ops)
    {
        foreach (var op in ops)
        {
            Proto.Success.Add(op.Proto);
        }
        return this;
    }

    /// <summary>Adds operations run when a guard fails.</summary>
    public EtcdTxn Else(params ReadOnlySpan<EtcdOp> ops)
    {
        foreach (var op in ops)
        {
            Proto.Failure.Add(op.Proto);
        }
        return this;
    }
}

/// <summary>The result of one operation of a transaction: exactly one of the members is set.</summary>
/// <param name="Range">The result of a get.</param>
/// <param name="Put">The result of a put.</param>
/// <param name="Delete">The result of a delete.</param>
public sealed record EtcdOpResult(EtcdRangeResult? Range, EtcdPutResult? Put, EtcdDeleteResult? Delete);

/// <summary>The result of a transaction.</summary>
/// <param name="Succeeded">Whether the guards held (so the Then operations ran).</param>
/// <param name="Revision">The store revision after the transaction.</param>
/// <param name="Responses">The results of the operations that ran, in order.</param>
public sealed record EtcdTxnResult(bool Succeeded, long Revision, IReadOnlyList<EtcdOpResult> Responses);

/// <summary>A member's view of itself and the cluster.</summary>
/// <param name="Endpoint">The endpoint that answered.</param>
/// <param name="MemberId">The answering member.</param>
/// <param name="Leader">The leader it knows (0 when none).</param>
/// <param name="RaftTerm">The Raft term.</param>
/// <param name="RaftIndex">The committed Raft index.</param>
/// <param name="Revision">The store revision.</param>
/// <param name="DbSize">The database file size, in bytes (what the quota limits).</param>
/// <param name="DbSizeInUse">The bytes in use (the rest is reclaimed by defragmentation).</param>
/// <param name="Version">The server version.</param>
/// <param name="Errors">Alarms and health problems the member reports.</param>
/// <param name="IsLearner">Whether the member is a non-voting learner.</param>
public sealed record EtcdStatus(Uri Endpoint, ulong MemberId, ulong Leader, ulong RaftTerm, ulong RaftIndex, long Revision, long DbSize, long DbSizeInUse, string Version, IReadOnlyList<string> Errors, bool IsLearner);

/// <summary>A member of the etcd cluster.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name (empty until it started).</param>
/// <param name="PeerUrls">The URLs other members reach it at.</param>
/// <param name="ClientUrls">The URLs clients reach it at (empty until it started).</param>
/// <param name="IsLearner">Whether it is a learner.</param>
public sealed record EtcdMember(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner)
{
    internal static EtcdMember From(Member m) => new(m.ID, m.Name, [.. m.PeerURLs], [.. m.ClientURLs], m.IsLearner);
}

/// <summary>An alarm raised on a member.</summary>
/// <param name="MemberId">The member.</param>
/// <param name="Alarm">The alarm: "NOSPACE" or "CORRUPT".</param>
public sealed record EtcdAlarm(ulong MemberId, string Alarm);

/// <summary>A lease's remaining time.</summary>
/// <param name="Id">The lease.</param>
/// <param name="Ttl">The remaining time to live; negative when the lease does not exist.</param>
/// <param name="GrantedTtl">The TTL it was granted with.</param>
/// <param name="Keys">The keys attached to it, when asked for.</param>
public sealed record EtcdLeaseTimeToLive(long Id, TimeSpan Ttl, TimeSpan GrantedTtl, IReadOnlyList<string> Keys);

/// <summary>The kind of a watch event.</summary>
public enum EtcdEventType
{
    /// <summary>The key was written.</summary>
    Put = 0,
    /// <summary>The key was deleted (or its lease expired).</summary>
    Delete = 1,
}

/// <summary>A change seen by a watch.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Kv">The key after the change (for a delete: the key and the revision of the delete).</param>
/// <param name="PrevKv">The key before the change, when asked for.</param>
public sealed record EtcdWatchEvent(EtcdEventType Type, EtcdKeyValue Kv, EtcdKeyValue? PrevKv)
{
    /// <summary>The revision of the change.</summary>
    public long Revision => Kv.ModRevision;
}

/// <summary>What a watch covers.</summary>
public sealed class EtcdWatchOptions
{
    /// <summary>Watch every key starting with the key. <value>Default false.</value></summary>
    public bool Prefix { get; set; }

    /// <summary>Deliver events from this revision on (inclusive); 0 for changes after the watch is created. <value>Default 0.</value></summary>
    public long StartRevision { get; set; }

    /// <summary>Include the previous key-value in events. <value>Default false.</value></summary>
    public bool PrevKv { get; set; }
}
