using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Scheduling;

/// <summary>
/// Runs the work of one activation one item at a time on the thread pool. It is the
/// <see cref="SynchronizationContext"/> while that work runs, so every <c>await</c> in grain code
/// resumes here: grain code never runs on two threads at once, even when requests interleave.
/// </summary>
internal sealed partial class ActivationScheduler : SynchronizationContext, IThreadPoolWorkItem
{
    // Bound a drain so one busy activation cannot hold a pool thread forever.
    private const int MaxItemsPerDrain = 256;

    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly ILogger _logger;
    private int _scheduled;

    public ActivationScheduler(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>Whether the calling code runs on this scheduler.</summary>
    public bool IsCurrent => ReferenceEquals(Current, this);

    public override void Post(SendOrPostCallback d, object? state)
    {
        _queue.Enqueue((d, state));
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Grain code cannot block waiting on its own activation.");

    public override SynchronizationContext CreateCopy() => this;

    void IThreadPoolWorkItem.Execute()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            for (var i = 0; i < MaxItemsPerDrain && _queue.TryDequeue(out var item); i++)
            {
                try
                {
                    item.Callback(item.State);
                }
                catch (Exception e)
                {
                    LogErrorWorkItemFailed(_logger, e);
                }
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
            // A full fence, not a plain store: the emptiness check below must not be reordered
            // before the release, or a Post that saw "scheduled" would be stranded (a lost wake-up).
            Interlocked.Exchange(ref _scheduled, 0);
            if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A work item of an activation failed")]
    private static partial void LogErrorWorkItemFailed(ILogger logger, Exception exception);
}
