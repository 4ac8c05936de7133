using ActorEdge.Runtime.Activations;

namespace ActorEdge.Runtime.Timers;

/// <summary>
/// A grain timer. Each tick is queued as a turn of the activation; the next tick is scheduled
/// only after the previous one completed, so ticks never overlap.
/// </summary>
internal abstract class GrainTimer : IGrainTimer
{
    private readonly ActivationData _activation;
    private readonly ITimer _timer;
    private TimeSpan _period;
    private bool _disposed;

    protected GrainTimer(ActivationData activation, GrainTimerCreationOptions options, TimeProvider timeProvider)
    {
        _activation = activation;
        Interleave = options.Interleave;
        KeepAlive = options.KeepAlive;
        DueTime = options.DueTime;
        _period = options.Period;
        _timer = timeProvider.CreateTimer(static state => ((GrainTimer)state!).OnFired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public bool Interleave { get; }

    public bool KeepAlive { get; }

    private TimeSpan DueTime { get; set; }

    public void Start() => _timer.Change(DueTime, Timeout.InfiniteTimeSpan);

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        _period = period;
        if (!_disposed)
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    public abstract Task InvokeCallback(CancellationToken cancellationToken);

    /// <summary>Called on the activation when a tick finished: arm the next one.</summary>
    public void OnTickCompleted()
    {
        if (!_disposed && _period != Timeout.InfiniteTimeSpan)
        {
            _timer.Change(_period, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _timer.Dispose();
        _activation.Scheduler.Post(static state =>
        {
            var timer = (GrainTimer)state!;
            timer._activation.RemoveTimer(timer);
        }, this);
    }

    private void OnFired()
    {
        if (_disposed)
        {
            return;
        }
        _activation.Scheduler.Post(static state =>
        {
            var timer = (GrainTimer)state!;
            if (!timer._disposed)
            {
                timer._activation.EnqueueTick(timer);
            }
        }, this);
    }
}

internal sealed class GrainTimer<TState>(ActivationData activation, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options, TimeProvider timeProvider)
    : GrainTimer(activation, options, timeProvider)
{
    public override Task InvokeCallback(CancellationToken cancellationToken) => callback(state, cancellationToken);
}
