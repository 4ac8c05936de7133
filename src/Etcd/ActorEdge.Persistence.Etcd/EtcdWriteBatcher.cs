using System.Threading.Channels;
using ActorEdge.Etcd;

namespace ActorEdge.Persistence.Etcd;

/// <summary>The outcome of one batched write.</summary>
/// <param name="Succeeded">Whether the write was applied.</param>
/// <param name="Revision">The key's new mod revision when applied; else its stored mod revision (0 when absent).</param>
internal readonly record struct EtcdWriteOutcome(bool Succeeded, long Revision);

/// <summary>
/// Combines concurrent writes of different keys into one etcd transaction: while one transaction
/// is in flight, the writes that arrive queue up and go together in the next, up to
/// <c>maxWrites</c> operations (etcd's <c>--max-txn-ops</c>, 128 by default) and the request size
/// limit. One transaction is in flight at a time, so a burst of n writes costs at most
/// 1 + ceil((n - 1) / maxWrites) round trips when no write is stale, instead of n.
/// </summary>
/// <remarks>
/// etcd evaluates a transaction's compares together: if all hold every put runs, otherwise none
/// does. Each write keeps its own compare (its key's mod revision equals its ETag, or the key is
/// absent), and the Else branch reads every key's revisions (keys only) in the same atomic step.
/// A failed transaction therefore says exactly which writes were stale at that revision: they fail
/// with their stored revision, and the others are sent again at once without them. Each round
/// settles at least one write, and a write fails only if its own key changed.
/// </remarks>
internal sealed class EtcdWriteBatcher : IAsyncDisposable
{
    // A compare, a put and a keys-only range per write, plus field tags and lengths; generous on purpose.
    private const int OverheadPerWrite = 64;

    /// <summary>
    /// Writes larger than this go alone. Batching saves round trips, not bytes: with one transaction
    /// in flight, large states lose the overlap of concurrent puts (measured on 3 members: 100 KB
    /// states, 64 grains, 271 writes/s alone vs 150 batched; docs/benchmarks-etcd.md).
    /// </summary>
    public const int MaxBatchedWriteBytes = 64 * 1024;

    private readonly EtcdClient _client;
    private readonly int _maxWrites;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _transactions;

    public EtcdWriteBatcher(EtcdClient client, int maxWrites, int maxRequestBytes)
    {
        _client = client;
        _maxWrites = maxWrites;
        // Room for the transaction's own framing.
        MaxBytes = maxRequestBytes - 1024;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The largest estimated size of a batch.</summary>
    public int MaxBytes { get; }

    /// <summary>Whether a write of this estimated size joins batches (else it is sent alone).</summary>
    public bool Accepts(int estimatedBytes) => estimatedBytes <= MaxBatchedWriteBytes && estimatedBytes <= MaxBytes;

    /// <summary>How many transactions were sent (for tests and benchmarks).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>An upper bound of a write's share of a transaction: three copies of the key (up to 3 UTF-8 bytes a char) and the value.</summary>
    public static int EstimateBytes(string key, int valueBytes) => (9 * key.Length) + valueBytes + OverheadPerWrite;

    /// <summary>
    /// Queues a write of <paramref name="value"/> to <paramref name="key"/> if its mod revision is
    /// <paramref name="expectedRevision"/> (0: if it is absent). Cancellation counts only until the write is sent.
    /// </summary>
    public Task<EtcdWriteOutcome> WriteAsync(string key, long expectedRevision, ReadOnlyMemory<byte> value, int estimatedBytes, CancellationToken cancellationToken)
    {
        var write = new PendingWrite(key, expectedRevision, value, estimatedBytes, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(EtcdGrainStorage));
        }
        return write.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        // Writes already queued still go out.
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(_maxWrites);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var carry = new List<PendingWrite>();
        var next = new List<PendingWrite>();
        while (carry.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var bytes = 0;
            // Writes left over from the last round first (they are older), then the queue.
            foreach (var write in carry)
            {
                Offer(write);
            }
            while (batch.Count < _maxWrites && _queue.Reader.TryRead(out var write))
            {
                Offer(write);
            }
            (carry, next) = (next, carry);
            next.Clear();
            if (batch.Count > 0)
            {
                await SendAsync(batch).ConfigureAwait(false);
            }
            batch.Clear();
            keys.Clear();

            void Offer(PendingWrite write)
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Completion.TrySetCanceled(write.CancellationToken);
                }
                else if (batch.Count == _maxWrites || (batch.Count > 0 && bytes + write.Bytes > MaxBytes) || !keys.Add(write.Key))
                {
                    // Full, or a second write of a key already in the batch (etcd refuses one key twice in a transaction).
                    next.Add(write);
                }
                else
                {
                    batch.Add(write);
                    bytes += write.Bytes;
                }
            }
        }
    }

    private async Task SendAsync(List<PendingWrite> batch)
    {
        var pending = batch;
        while (pending.Count > 0)
        {
            var txn = new EtcdTxn();
            foreach (var write in pending)
            {
                txn.If(write.ExpectedRevision == 0
                        ? EtcdCompare.CreateRevision(write.Key, EtcdCompareResult.Equal, 0)
                        : EtcdCompare.ModRevision(write.Key, EtcdCompareResult.Equal, write.ExpectedRevision))
                    .Then(EtcdOp.Put(write.Key, write.Value))
                    .Else(EtcdOp.Get(write.Key, keysOnly: true));
            }
            Interlocked.Increment(ref _transactions);
            EtcdTxnResult result;
            try
            {
                result = await _client.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var write in pending)
                {
                    write.Completion.TrySetException(e);
                }
                return;
            }
            if (result.Succeeded)
            {
                foreach (var write in pending)
                {
                    write.Completion.TrySetResult(new EtcdWriteOutcome(true, result.Revision));
                }
                return;
            }
            var retry = new List<PendingWrite>(pending.Count);
            for (var i = 0; i < pending.Count; i++)
            {
                var kvs = result.Responses[i].Range!.Kvs;
                var stored = kvs.Count == 0 ? 0 : kvs[0].ModRevision;
                if (stored == pending[i].ExpectedRevision)
                {
                    retry.Add(pending[i]);
                }
                else
                {
                    pending[i].Completion.TrySetResult(new EtcdWriteOutcome(false, stored));
                }
            }
            if (retry.Count == pending.Count)
            {
                // Cannot happen (the Else reads were atomic with the compares); never loop on it.
                var error = new EtcdException("An etcd write batch failed although every compare held at its revision.");
                foreach (var write in retry)
                {
                    write.Completion.TrySetException(error);
                }
                return;
            }
            pending = retry;
        }
    }

    private sealed class PendingWrite(string key, long expectedRevision, ReadOnlyMemory<byte> value, int bytes, CancellationToken cancellationToken)
    {
        public string Key { get; } = key;

        public long ExpectedRevision { get; } = expectedRevision;

        public ReadOnlyMemory<byte> Value { get; } = value;

        public int Bytes { get; } = bytes;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<EtcdWriteOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
