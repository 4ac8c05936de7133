using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Tasks.Sources;

namespace ActorEdge.Redis;

/// <summary>
/// A command waiting for its reply: a pooled, reusable <see cref="IValueTaskSource{TResult}"/>, so
/// a command costs no allocation. Two parties hold it (the connection until the reply is matched,
/// the caller until it has read the result); the last to let go returns it to the pool.
/// </summary>
internal sealed class PendingCommand : IValueTaskSource<RedisReply>
{
    private const int MaxPooled = 4096;
    private static readonly ConcurrentQueue<PendingCommand> Pool = new();
    private static int _pooled;

    private ManualResetValueTaskSourceCore<RedisReply> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private CommandName _name;
    private int _nameLength;
    private int _done;
    private int _holders;

    /// <summary>When the command times out, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    public long Deadline { get; private set; }

    public TimeSpan Timeout { get; private set; }

    public bool IsDone => Volatile.Read(ref _done) != 0;

    public ValueTask<RedisReply> Task => new(this, _core.Version);

    public string Name => Encoding.ASCII.GetString(((ReadOnlySpan<byte>)_name)[.._nameLength]);

    public static PendingCommand Rent(ReadOnlySpan<byte> name, long deadline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Pool.TryDequeue(out var command))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            command = new PendingCommand();
        }
        command._holders = 2;
        command._done = 0;
        command.Deadline = deadline;
        command.Timeout = timeout;
        command._nameLength = Math.Min(name.Length, CommandName.Size);
        name[..command._nameLength].CopyTo(command._name);
        if (cancellationToken.CanBeCanceled)
        {
            command._cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingCommand)state!).TrySetException(new OperationCanceledException(token)), command);
        }
        return command;
    }

    public bool TrySetResult(RedisReply reply)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }
        _core.SetResult(reply);
        return true;
    }

    public bool TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }
        _core.SetException(exception);
        return true;
    }

    /// <summary>One holder lets go; the last one recycles the command.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
        {
            return;
        }
        // Dispose waits for a cancellation callback that is running, so none can touch the next use.
        _cancellation.Dispose();
        _cancellation = default;
        _core.Reset();
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }

    public RedisReply GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    [InlineArray(Size)]
    private struct CommandName
    {
        public const int Size = 16;
        private byte _first;
    }
}
