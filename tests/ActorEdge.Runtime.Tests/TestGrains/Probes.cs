using System.Collections.Concurrent;

namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>
/// What test grains observe, kept outside the activations (keyed by grain key, unique per test),
/// so a test can see activations and deactivations that no call could report.
/// </summary>
public sealed class Probe
{
    private static readonly ConcurrentDictionary<string, Probe> All = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<DeactivationReasonCode> _deactivations = [];
    private readonly List<string> _events = [];
    private int _activations;
    private int _ticks;

    public static Probe For(string key) => All.GetOrAdd(key, static _ => new Probe());

    /// <summary>OnActivateAsync calls, cluster-wide.</summary>
    public int Activations => Volatile.Read(ref _activations);

    /// <summary>Timer ticks.</summary>
    public int Ticks => Volatile.Read(ref _ticks);

    /// <summary>Released by the test; grain methods that block wait on it.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by a grain method once it runs (and is about to wait).</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when a grain method observed the cancellation of its token.</summary>
    public TaskCompletionSource Canceled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<DeactivationReasonCode> Deactivations
    {
        get
        {
            lock (_lock)
            {
                return [.. _deactivations];
            }
        }
    }

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Activated() => Interlocked.Increment(ref _activations);

    public int Ticked() => Interlocked.Increment(ref _ticks);

    public void Deactivated(DeactivationReasonCode reason)
    {
        lock (_lock)
        {
            _deactivations.Add(reason);
        }
    }

    public void Record(string evt)
    {
        lock (_lock)
        {
            _events.Add(evt);
        }
    }
}
