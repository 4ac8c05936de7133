using System.Collections.Concurrent;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Migration;
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
        if ((message.Flags & MessageFlags.FollowedHandOver) != 0 && !TakeFollower(message))
        {
            return;
        }
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

    /// <summary>
    /// Grains whose last hand-over to this silo was refused, and when: requests that followed such a
    /// hand-over and arrive late are the source's, which sends them again (see MessageFlags.FollowedHandOver).
    /// </summary>
    private readonly ConcurrentDictionary<GrainId, long> _refusedHandOvers = new();

    /// <summary>Records that a hand-over of <paramref name="grainId"/> to this silo was refused (any thread).</summary>
    public void MarkHandOverRefused(GrainId grainId)
    {
        if (_refusedHandOvers.Count >= 4096)
        {
            var now = runtime.TimeProvider.GetTimestamp();
            foreach (var (id, at) in _refusedHandOvers)
            {
                if (runtime.TimeProvider.GetElapsedTime(at, now) > runtime.Migration.Options.HandOverTimeout)
                {
                    _refusedHandOvers.TryRemove(new KeyValuePair<GrainId, long>(id, at));
                }
            }
        }
        _refusedHandOvers[grainId] = runtime.TimeProvider.GetTimestamp();
    }

    // Late followers arrive within the source's hand-over budget; past it, the mark is forgotten.
    private bool HandOverWasRefused(GrainId grainId) =>
        _refusedHandOvers.TryGetValue(grainId, out var at) && runtime.TimeProvider.GetElapsedTime(at) <= runtime.Migration.Options.HandOverTimeout;

    /// <summary>
    /// Requests that followed a hand-over whose activation cannot take its place in the catalog yet
    /// (another activation of the grain is leaving): they wait here, not in that activation, which
    /// would serve them although the hand-over may still be refused. Guarded by its own lock.
    /// </summary>
    private readonly Dictionary<GrainId, List<Message>> _parkedFollowers = [];

    /// <summary>For a request that followed a hand-over: false when it was dropped or parked here.</summary>
    private bool TakeFollower(Message message)
    {
        if (HandOverWasRefused(message.TargetGrain))
        {
            // It followed a hand-over this silo refused: its source holds it and sends it again.
            message.ReleasePayload();
            return false;
        }
        lock (_parkedFollowers)
        {
            if (_parkedFollowers.TryGetValue(message.TargetGrain, out var parked))
            {
                parked.Add(message);
                return false;
            }
        }
        return true;
    }

    private void ParkFollowers(GrainId grainId)
    {
        lock (_parkedFollowers)
        {
            _parkedFollowers.TryAdd(grainId, []);
        }
    }

    /// <summary>Delivers the parked followers to the hand-over's activation, in order; or, refused, drops them (the source sends them again).</summary>
    private void EndParking(GrainId grainId, ActivationData? into)
    {
        lock (_parkedFollowers)
        {
            if (!_parkedFollowers.Remove(grainId, out var parked))
            {
                return;
            }
            if (into is null)
            {
                MarkHandOverRefused(grainId);
            }
            foreach (var message in parked)
            {
                if (into is null)
                {
                    message.ReleasePayload();
                }
                else
                {
                    into.Receive(message);
                }
            }
        }
    }

    /// <summary>
    /// Target side of a hand-over: creates the activation (not yet serving, so requests that
    /// arrive wait in it), moves the directory entry from <paramref name="source"/> to it by
    /// compare-and-swap, and starts its rehydration. Throws, leaving nothing behind, when this
    /// silo cannot take the grain or the entry no longer names the source.
    /// </summary>
    public async Task<(GrainAddress Address, TimeSpan Import, TimeSpan Directory)> AcceptMigrationAsync(GrainAddress source, MigrationContext context, MigrationTrigger trigger, TimeSpan budget)
    {
        var grainId = source.GrainId;
        _refusedHandOvers.TryRemove(grainId, out _);
        // The source gives up after its budget (then deactivates and readdresses what waited): past
        // three quarters of it, this silo refuses rather than register a grain the source let go of.
        var accepted = runtime.TimeProvider.GetTimestamp();
        var deadline = budget * 3 / 4;
        if (_stopping)
        {
            throw new GrainException($"Silo {runtime.Local.Address} is shutting down: it does not take {grainId}.");
        }
        if (!runtime.Manifest.TryGetClass(grainId.Type, out var classInfo))
        {
            throw new GrainTypeNotFoundException($"No grain class has grain type '{grainId.Type}' on silo {runtime.Local.Address}.");
        }
        var activation = new ActivationData(grainId, classInfo!, runtime, rehydrating: true);
        try
        {
            while (!_activations.TryAdd(grainId, activation))
            {
                // A departed activation may linger for an instant; a live one means the grain is (or
                // is being activated) here already, and the source must not hand over.
                if (_activations.TryGetValue(grainId, out var existing) && existing.State == ActivationState.Activating)
                {
                    // Most likely a request that followed a stale cache entry here: its activation
                    // loses the registration to the source and leaves. Wait for that, briefly; what
                    // follows the hand-over meanwhile waits for its own activation.
                    ParkFollowers(grainId);
                    await Task.WhenAny(existing.Deactivated, Task.Delay(budget / 2, runtime.TimeProvider)).ConfigureAwait(false);
                    if (!existing.Deactivated.IsCompleted)
                    {
                        throw new GrainException($"Silo {runtime.Local.Address} is activating {grainId} already.");
                    }
                    continue;
                }
                if (existing is not null && existing.State != ActivationState.Invalid)
                {
                    throw new GrainException($"Silo {runtime.Local.Address} already has an activation of {grainId} ({existing.State}).");
                }
                if (existing is not null)
                {
                    _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(grainId, existing));
                }
            }
        }
        catch
        {
            EndParking(grainId, null);
            throw;
        }
        EndParking(grainId, activation);

        // Storage first: the directory names this silo only once the state is here (Reactive) or
        // the local replica has caught up (Proactive); a failure leaves everything with the source.
        var import = TimeSpan.Zero;
        try
        {
            import = await ImportStatesAsync(source, context, classInfo!, trigger, deadline - runtime.TimeProvider.GetElapsedTime(accepted)).ConfigureAwait(false);
            if (runtime.TimeProvider.GetElapsedTime(accepted) > deadline)
            {
                throw new TimeoutException($"taking it over took longer than the source waits ({budget.TotalMilliseconds:F0} ms)");
            }
        }
        catch (Exception e)
        {
            Refuse(activation, null);
            throw new GrainException($"Migration of {grainId} to {runtime.Local.Address} failed: its state could not be taken over ({e.Message}).", e);
        }

        var start = runtime.TimeProvider.GetTimestamp();
        GrainAddress? winner;
        try
        {
            winner = await runtime.Locator.RegisterMigratedAsync(activation.Address, source).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Refuse(activation, null);
            throw new GrainException($"Migration of {grainId} to {runtime.Local.Address} failed: the grain directory is unavailable ({e.Message}).", e);
        }
        var directory = runtime.TimeProvider.GetElapsedTime(start);
        if (winner is null || !winner.Equals(activation.Address))
        {
            Refuse(activation, winner);
            throw new GrainException($"Migration of {grainId} to {runtime.Local.Address} lost the directory compare-and-swap: the entry is {winner?.Silo.ToString() ?? "gone"}, not the source {source.Silo}.");
        }
        activation.StartRehydrated(context, trigger);
        return (activation.Address, import, directory);
    }

    private async Task<TimeSpan> ImportStatesAsync(GrainAddress source, MigrationContext context, GrainClassInfo classInfo, MigrationTrigger trigger, TimeSpan remaining)
    {
        var time = runtime.TimeProvider;
        var total = TimeSpan.Zero;
        foreach (var export in context.StorageExports)
        {
            if (runtime.ResolveStorage(export.StorageName) is not IGrainStorageMigration storage)
            {
                throw new InvalidOperationException($"Storage provider '{export.StorageName}' is not configured on this silo, or does not take part in migration.");
            }
            var migration = new StateMigration(source.GrainId, export.StateName, export.ETag, source.Silo, runtime.Local.Address, runtime.Local.NodeName);
            using var timeout = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
            var start = time.GetTimestamp();
            await storage.ImportAsync(migration, export.Bytes, timeout.Token).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(start);
            ActivationData.RecordMigrationComponent(classInfo.GrainType, trigger, storage.ImportComponent, elapsed);
            total += elapsed;
        }
        return total;
    }

    /// <summary>
    /// Node drain: migrates every activation to other silos (graceful stop). Activations that
    /// cannot move stay and are deactivated by <see cref="DeactivateAllAsync"/>.
    /// </summary>
    public async Task MigrateAllAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _collectionTimer?.Dispose();
        var tasks = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            tasks.Add(DrainAsync(activation));
        }
        await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);

        static async Task DrainAsync(ActivationData activation)
        {
            try
            {
                await activation.MigrateAsync(null, MigrationTrigger.Drain).ConfigureAwait(false);
            }
            catch (GrainException)
            {
                // Logged by the activation, which deactivated instead.
            }
        }
    }

    public void CancelRequest(Message cancellation)
    {
        if (_activations.TryGetValue(cancellation.TargetGrain, out var activation))
        {
            activation.CancelRequest(cancellation.SendingSilo, cancellation.CorrelationId);
        }
    }

    /// <summary>
    /// A hand-over this silo took in is refused: the refusal is recorded and the activation leaves
    /// the catalog before the answer goes out (what waits in it is readdressed on its own scheduler).
    /// </summary>
    private void Refuse(ActivationData activation, GrainAddress? winner)
    {
        MarkHandOverRefused(activation.GrainId);
        Remove(activation);
        activation.CancelRehydration(winner);
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
