using System.Collections.Concurrent;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Activations;

/// <summary>
/// The activations of this silo: creates one on the first request for a grain, collects idle
/// ones, and deactivates all of them when the silo stops.
/// </summary>
internal sealed partial class Catalog(SiloRuntime runtime, GrainCollectionOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private ITimer? _collectionTimer;
    private volatile bool _stopping;

    public int Count => _activations.Count;

    public ICollection<ActivationData> Activations => _activations.Values;

    public bool TryGetActivation(GrainId grainId, out ActivationData? activation) => _activations.TryGetValue(grainId, out activation);

    public void Start()
    {
        _collectionTimer = runtime.TimeProvider.CreateTimer(static state => ((Catalog)state!).CollectIdle(), this, options.CollectionQuantum, options.CollectionQuantum);
    }

    /// <summary>Delivers a request addressed to this silo, activating the grain if needed.</summary>
    public void ReceiveRequest(Message message, bool fromNetwork = false)
    {
        if (_activations.TryGetValue(message.TargetGrain, out var activation))
        {
            activation.Receive(message, fromNetwork);
            return;
        }
        if (_stopping)
        {
            runtime.Router.Reroute(message, "this silo is shutting down");
            return;
        }
        if (!runtime.Manifest.TryGetClass(message.TargetGrain.Type, out var classInfo))
        {
            runtime.Router.RespondWithError(message, new GrainTypeNotFoundException($"No grain class has grain type '{message.TargetGrain.Type}' on silo {runtime.Local.Address}."));
            return;
        }

        var created = new ActivationData(message.TargetGrain, classInfo!, runtime);
        activation = _activations.GetOrAdd(message.TargetGrain, created);
        if (ReferenceEquals(activation, created))
        {
            created.Start();
        }
        activation.Receive(message);
    }

    public void CancelRequest(Message cancellation)
    {
        if (_activations.TryGetValue(cancellation.TargetGrain, out var activation))
        {
            activation.CancelRequest(cancellation.SendingSilo, cancellation.CorrelationId);
        }
    }

    public void Remove(ActivationData activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));

    /// <summary>Deactivates every activation (graceful shutdown); new requests are rerouted elsewhere.</summary>
    public async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _collectionTimer?.Dispose();
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "the silo is shutting down");
        var tasks = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            tasks.Add(activation.DeactivateAsync(reason));
        }
        await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets every activation at once (a crash): no deactivation, no unregistration, no more timer ticks.</summary>
    public void Abandon()
    {
        _stopping = true;
        _collectionTimer?.Dispose();
        foreach (var activation in _activations.Values)
        {
            activation.Abandon();
        }
        _activations.Clear();
    }

    public void Dispose() => _collectionTimer?.Dispose();

    private void CollectIdle()
    {
        var now = runtime.TimeProvider.GetTimestamp();
        var collected = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.State == ActivationState.Valid && activation.IsIdleFor(options.CollectionAge, now))
            {
                activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ActivationIdle, $"idle for more than {options.CollectionAge}"));
                collected++;
            }
        }
        if (collected > 0)
        {
            ActorEdgeInstruments.ActivationsCollected.Add(collected);
            LogDebugCollected(runtime.Logger, collected);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Collecting {Count} idle activations")]
    private static partial void LogDebugCollected(ILogger logger, int count);
}
