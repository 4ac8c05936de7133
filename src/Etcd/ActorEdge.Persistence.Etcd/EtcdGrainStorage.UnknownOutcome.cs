using ActorEdge.Etcd;

namespace ActorEdge.Persistence.Etcd;

// Writes whose outcome is unknown (Replicated mode). A leadership transfer makes the leader drop
// proposals; one forwarded by a follower is dropped silently, and the follower answers "request
// timed out" although nothing was applied. The write is a compare-and-swap on the key's mod
// revision, so sending it again cannot apply it twice: if the first attempt was applied (or is
// applied later), the second one's compare fails. When the compare fails and the key holds exactly
// the bytes written at a revision other than the expected one, it was this write (one activation
// per grain writes the key), and it succeeded.
internal sealed partial class EtcdGrainStorage
{
    private bool CanResolve(EtcdUnavailableException e) => e.MayHaveBeenApplied && _options.Migration == EtcdMigrationMode.Replicated;

    internal async Task<EtcdWriteOutcome> ResolveWriteAsync(string key, long expected, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        EtcdTxnResult result;
        try
        {
            result = await _client.TxnAsync(new EtcdTxn().If(Guard(key, expected)).Then(EtcdOp.Put(key, value)).Else(EtcdOp.Get(key)), cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            ForgetLowerBound(key);
            throw Wrap("write", key, e);
        }
        Interlocked.Increment(ref _resolvedWrites);
        if (result.Succeeded)
        {
            return new EtcdWriteOutcome(true, result.Revision);
        }
        var kvs = result.Responses[0].Range?.Kvs;
        if (kvs is { Count: > 0 } && kvs[0].ModRevision != expected && kvs[0].Value.Span.SequenceEqual(value.Span))
        {
            return new EtcdWriteOutcome(true, kvs[0].ModRevision);
        }
        ForgetLowerBound(key);
        return new EtcdWriteOutcome(false, kvs is { Count: > 0 } ? kvs[0].ModRevision : 0);
    }

    private long _resolvedWrites;

    /// <summary>Writes whose unknown outcome was settled by sending them again (Replicated mode).</summary>
    internal long ResolvedWrites => Interlocked.Read(ref _resolvedWrites);
}
