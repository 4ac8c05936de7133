using System.Diagnostics;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Migration;

/// <summary>
/// The silo-to-silo side of live migration: the hand-over a source sends to a target (the target
/// creates the activation and moves the directory entry by compare-and-swap), and the request
/// to migrate an activation hosted by another silo (the management API).
/// </summary>
internal sealed partial class MigrationService(SiloRuntime runtime, MigrationOptions options)
{
    public MigrationOptions Options => options;

    /// <summary>
    /// Hands a dehydrated activation to <paramref name="target"/>. Returns the new activation's
    /// address (registered in the directory) and how long the target's storage import and
    /// directory update took; throws when the target refused, died or did not answer in time.
    /// </summary>
    public async Task<(GrainAddress Address, TimeSpan Import, TimeSpan Directory)> HandOverAsync(SiloAddress target, GrainAddress source, MigrationContext context, MigrationTrigger trigger)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, source);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarUInt32((uint)trigger);
        context.Write(ref w, 3);
        context.WriteStorageExports(ref w, 4);
        // How long the source waits: the target must not register after the source gave up.
        w.WriteFieldHeader(5, WireType.VarInt);
        w.WriteVarInt64(options.HandOverTimeout.Ticks);
        w.Commit();
        var response = await runtime.Router.SystemCallAsync(target, SystemTargetIds.Migration, SystemTargetIds.MigrationHandOver, payload, options.HandOverTimeout).ConfigureAwait(false);
        try
        {
            GrainAddress? address = null;
            long directoryTicks = 0, importTicks = 0;
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: address = SystemCodecs.ReadAddress(ref r, wireType); break;
                    case 2: directoryTicks = r.ReadVarInt64(); break;
                    case 3: importTicks = r.ReadVarInt64(); break;
                    default: r.SkipField(wireType); break;
                }
            }
            return (address ?? throw new SerializationException("A migration hand-over was accepted without the new address."), TimeSpan.FromTicks(importTicks), TimeSpan.FromTicks(directoryTicks));
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    /// <summary>Asks the silo hosting <paramref name="grainId"/> to migrate it to <paramref name="target"/>; completes once it moved (or did not).</summary>
    public async Task<MigrationOutcome> RequestMigrationAsync(SiloAddress host, GrainId grainId, SiloAddress target)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteGrainId(ref w, 1, grainId);
        MessageSerializer.WriteSilo(ref w, 2, target);
        w.Commit();
        var response = await runtime.Router.SystemCallAsync(host, SystemTargetIds.Migration, SystemTargetIds.MigrationMigrate, payload).ConfigureAwait(false);
        try
        {
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                if (field == 1)
                {
                    return (MigrationOutcome)r.ReadVarUInt32();
                }
                r.SkipField(wireType);
            }
            throw new SerializationException("A migration request was answered without its outcome.");
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    /// <summary>
    /// Brings the record of a grain's state to this silo from the silo that holds it, for a fresh
    /// activation whose node-local store lacks it (the grain last lived elsewhere), or, when the
    /// provider's versions compare, may hold an older copy (<paramref name="heldHere"/>). Every other
    /// active silo is asked at once; each holder exports, this silo imports (a fetch keeps a newer
    /// local record), then the holder drops its copy. Returns whether anything was imported; throws
    /// when nothing is held here and a silo that may hold the record did not answer.
    /// </summary>
    public async Task<bool> FetchStateAsync(GrainId grainId, string storageName, string stateName, IGrainStorageMigration storage, bool heldHere, CancellationToken cancellationToken)
    {
        var self = runtime.Local.Address;
        var asks = new List<Task<ReadOnlyMemory<byte>>>();
        var peers = new List<SiloAddress>();
        foreach (var entry in runtime.Membership.Snapshot.Active)
        {
            if (!entry.Address.Equals(self))
            {
                peers.Add(entry.Address);
                asks.Add(AskForStateAsync(entry.Address, SystemTargetIds.MigrationFetchState, grainId, storageName, stateName));
            }
        }
        try
        {
            await Task.WhenAll(asks).ConfigureAwait(false);
        }
        catch
        {
            // Each ask is inspected below.
        }
        var holders = new List<(SiloAddress Silo, ReadOnlyMemory<byte> Exported)>();
        List<string>? unanswered = null;
        for (var i = 0; i < asks.Count; i++)
        {
            if (!asks[i].IsCompletedSuccessfully)
            {
                (unanswered ??= []).Add($"{peers[i]} ({asks[i].Exception?.GetBaseException().Message})");
            }
            else if (asks[i].Result.Length > 0)
            {
                if (holders.Count > 0 && !storage.ComparesRecordVersions)
                {
                    // Copies that cannot be told apart: the first answer wins, the others are reported.
                    LogWarningSeveralHolders(runtime.Logger, stateName, grainId, holders[0].Silo, peers[i]);
                    continue;
                }
                holders.Add((peers[i], asks[i].Result));
            }
        }
        if (unanswered is not null && holders.Count == 0)
        {
            if (!heldHere)
            {
                throw new GrainException($"State '{stateName}' of {grainId} is not on this silo, and silos that may hold it did not answer: {string.Join(", ", unanswered)}. The activation fails rather than start from an empty state.");
            }
            LogWarningFetchUnanswered(runtime.Logger, stateName, grainId, string.Join(", ", unanswered));
        }
        // Each import keeps the newer of the local record and the holder's copy, so the newest stays.
        foreach (var (holder, exported) in holders)
        {
            var migration = new StateMigration(grainId, stateName, null, holder, self, runtime.Local.NodeName);
            await storage.ImportAsync(migration, exported, cancellationToken).ConfigureAwait(false);
            try
            {
                await AskForStateAsync(holder, SystemTargetIds.MigrationFetchDone, grainId, storageName, stateName).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The record is here now; the holder keeps a stale copy, which a later fetch may find too (and is warned about).
                LogWarningFetchDoneFailed(runtime.Logger, stateName, grainId, holder, e);
            }
        }
        return holders.Count > 0;
    }

    private async Task<ReadOnlyMemory<byte>> AskForStateAsync(SiloAddress silo, uint method, GrainId grainId, string storageName, string stateName)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteGrainId(ref w, 1, grainId);
        w.WriteFieldHeader(2, WireType.LengthPrefixed);
        w.WriteUtf8(storageName);
        w.WriteFieldHeader(3, WireType.LengthPrefixed);
        w.WriteUtf8(stateName);
        w.Commit();
        var response = await runtime.Router.SystemCallAsync(silo, SystemTargetIds.Migration, method, payload, options.HandOverTimeout).ConfigureAwait(false);
        try
        {
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                if (field == 1)
                {
                    return r.ReadLengthPrefixed().ToArray();
                }
                r.SkipField(wireType);
            }
            return ReadOnlyMemory<byte>.Empty;
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    /// <summary>Answers a fetch (offer this silo's record) or its end (drop the record that was taken).</summary>
    private async Task<PooledBuffer?> OfferStateAsync(Message request)
    {
        var (migration, storage) = ReadStateRequest(request);
        if (runtime.Catalog.TryGetActivation(migration.GrainId, out var activation) && activation!.State != Activations.ActivationState.Invalid)
        {
            // The directory lost track of a live activation here: its record is not to be taken from under it.
            throw new GrainException($"Silo {runtime.Local.Address} still hosts an activation of {migration.GrainId}; its state '{migration.StateName}' stays here.");
        }
        // Only a provider whose record moves holds one to offer (another may export a marker, not a record).
        var exported = storage is not { TransfersRecord: true } ? ReadOnlyMemory<byte>.Empty : await storage.ExportAsync(migration, CancellationToken.None).ConfigureAwait(false);
        var payload = new PooledBuffer();
        if (exported.Length > 0)
        {
            var w = new Writer(payload);
            w.WriteFieldHeader(1, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(exported.Span);
            w.Commit();
        }
        return payload;
    }

    private async Task<PooledBuffer?> ReleaseStateAsync(Message request)
    {
        var (migration, storage) = ReadStateRequest(request);
        if (storage is not null)
        {
            await storage.CompleteAsync(migration, CancellationToken.None).ConfigureAwait(false);
        }
        return new PooledBuffer();
    }

    private (StateMigration Migration, IGrainStorageMigration? Storage) ReadStateRequest(Message request)
    {
        GrainId grainId = default;
        string? storageName = null, stateName = null;
        var r = new Reader(request.PayloadSpan);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: grainId = SystemCodecs.ReadGrainId(ref r, wireType); break;
                case 2: storageName = r.ReadUtf8(); break;
                case 3: stateName = r.ReadUtf8(); break;
                default: r.SkipField(wireType); break;
            }
        }
        if (grainId.IsDefault || storageName is null || stateName is null || request.SendingSilo is not { } requester)
        {
            throw new SerializationException("A state fetch lacks the grain, the provider or the state name.");
        }
        var migration = new StateMigration(grainId, stateName, null, runtime.Local.Address, requester, runtime.EdgeTopology.NodeOf(requester));
        return (migration, runtime.ResolveStorage(storageName) as IGrainStorageMigration);
    }

    /// <summary>Answers the migration system requests addressed to this silo.</summary>
    public Task<PooledBuffer?> HandleAsync(Message request) => request.MethodId switch
    {
        SystemTargetIds.MigrationHandOver => AcceptHandOverAsync(request),
        SystemTargetIds.MigrationMigrate => MigrateHostedAsync(request),
        SystemTargetIds.MigrationFetchState => OfferStateAsync(request),
        SystemTargetIds.MigrationFetchDone => ReleaseStateAsync(request),
        _ => throw new GrainException($"Unknown migration method {request.MethodId}."),
    };

    private async Task<PooledBuffer?> AcceptHandOverAsync(Message request)
    {
        GrainAddress? source = null;
        var trigger = MigrationTrigger.Management;
        var context = new MigrationContext();
        var budget = options.HandOverTimeout;
        try
        {
            var r = new Reader(request.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: source = SystemCodecs.ReadAddress(ref r, wireType); break;
                    case 2: trigger = (MigrationTrigger)r.ReadVarUInt32(); break;
                    case 3: context.ReadEntry(ref r, wireType); break;
                    case 4: context.ReadStorageExport(ref r, wireType); break;
                    case 5: budget = TimeSpan.FromTicks(r.ReadVarInt64()); break;
                    default: r.SkipField(wireType); break;
                }
            }
        }
        catch (Exception) when (source is not null)
        {
            // A hand-over that cannot be read is refused like any other: what followed it is the source's.
            runtime.Catalog.MarkHandOverRefused(source.GrainId);
            throw;
        }
        if (source is null)
        {
            throw new SerializationException("A migration hand-over lacks the source address.");
        }
        using var activity = ActorEdgeInstruments.ActivitySource.HasListeners()
            ? ActorEdgeInstruments.ActivitySource.StartActivity($"accept migration {source.GrainId.Type}", ActivityKind.Server, request.TraceParent)
            : null;
        activity?.SetTag("actoredge.grain", source.GrainId.ToString());
        activity?.SetTag("actoredge.migration.source", source.Silo.ToString());
        GrainAddress address;
        TimeSpan import, directory;
        try
        {
            (address, import, directory) = await runtime.Catalog.AcceptMigrationAsync(source, context, trigger, budget).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Before the refusal is answered: requests that followed the hand-over are its source's now.
            runtime.Catalog.MarkHandOverRefused(source.GrainId);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        activity?.SetTag("actoredge.migration.import_ms", import.TotalMilliseconds);
        activity?.SetTag("actoredge.migration.directory_ms", directory.TotalMilliseconds);
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, address);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarInt64(directory.Ticks);
        w.WriteFieldHeader(3, WireType.VarInt);
        w.WriteVarInt64(import.Ticks);
        w.Commit();
        return payload;
    }

    private async Task<PooledBuffer?> MigrateHostedAsync(Message request)
    {
        GrainId grainId = default;
        SiloAddress? target = null;
        var r = new Reader(request.PayloadSpan);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: grainId = SystemCodecs.ReadGrainId(ref r, wireType); break;
                case 2: target = MessageSerializer.ReadSilo(ref r, wireType); break;
                default: r.SkipField(wireType); break;
            }
        }
        if (grainId.IsDefault || target is null)
        {
            throw new SerializationException("A migration request lacks the grain or the target.");
        }
        var outcome = MigrationOutcome.NotActive;
        if (runtime.Catalog.TryGetActivation(grainId, out var activation))
        {
            outcome = await activation!.MigrateAsync(target, MigrationTrigger.Management, request.TraceParent).ConfigureAwait(false);
        }
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        w.WriteFieldHeader(1, WireType.VarInt);
        w.WriteVarUInt32((uint)outcome);
        w.Commit();
        return payload;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Two silos hold state '{StateName}' of {GrainId}: {Taken} (taken) and {Other} (left alone)")]
    private static partial void LogWarningSeveralHolders(ILogger logger, string stateName, GrainId grainId, SiloAddress taken, SiloAddress other);

    [LoggerMessage(Level = LogLevel.Warning, Message = "State '{StateName}' of {GrainId} is read from this silo's record; silos that may hold a newer copy did not answer: {Unanswered}")]
    private static partial void LogWarningFetchUnanswered(ILogger logger, string stateName, GrainId grainId, string unanswered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "State '{StateName}' of {GrainId} was fetched from {Holder}, which could not be told to drop its copy")]
    private static partial void LogWarningFetchDoneFailed(ILogger logger, string stateName, GrainId grainId, SiloAddress holder, Exception exception);
}
