using ActorEdge.Hosting;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Migration;

/// <summary>
/// The silo-to-silo side of live migration: the hand-over a source sends to a target (the target
/// creates the activation and moves the directory entry by compare-and-swap), and the request
/// to migrate an activation hosted by another silo (the management API).
/// </summary>
internal sealed class MigrationService(SiloRuntime runtime, MigrationOptions options)
{
    public MigrationOptions Options => options;

    /// <summary>
    /// Hands a dehydrated activation to <paramref name="target"/>. Returns the new activation's
    /// address (registered in the directory) and how long the target's directory update took;
    /// throws when the target refused, died or did not answer in time.
    /// </summary>
    public async Task<(GrainAddress Address, TimeSpan Directory)> HandOverAsync(SiloAddress target, GrainAddress source, MigrationContext context, MigrationTrigger trigger)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, source);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarUInt32((uint)trigger);
        context.Write(ref w, 3);
        w.Commit();
        var response = await runtime.Router.SystemCallAsync(target, SystemTargetIds.Migration, SystemTargetIds.MigrationHandOver, payload, options.HandOverTimeout).ConfigureAwait(false);
        try
        {
            GrainAddress? address = null;
            long directoryTicks = 0;
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: address = SystemCodecs.ReadAddress(ref r, wireType); break;
                    case 2: directoryTicks = r.ReadVarInt64(); break;
                    default: r.SkipField(wireType); break;
                }
            }
            return (address ?? throw new SerializationException("A migration hand-over was accepted without the new address."), TimeSpan.FromTicks(directoryTicks));
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

    /// <summary>Answers the migration system requests addressed to this silo.</summary>
    public Task<PooledBuffer?> HandleAsync(Message request) => request.MethodId switch
    {
        SystemTargetIds.MigrationHandOver => AcceptHandOverAsync(request),
        SystemTargetIds.MigrationMigrate => MigrateHostedAsync(request),
        _ => throw new GrainException($"Unknown migration method {request.MethodId}."),
    };

    private async Task<PooledBuffer?> AcceptHandOverAsync(Message request)
    {
        GrainAddress? source = null;
        var trigger = MigrationTrigger.Management;
        var context = new MigrationContext();
        var r = new Reader(request.PayloadSpan);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: source = SystemCodecs.ReadAddress(ref r, wireType); break;
                case 2: trigger = (MigrationTrigger)r.ReadVarUInt32(); break;
                case 3: context.ReadEntry(ref r, wireType); break;
                default: r.SkipField(wireType); break;
            }
        }
        if (source is null)
        {
            throw new SerializationException("A migration hand-over lacks the source address.");
        }
        var (address, directory) = await runtime.Catalog.AcceptMigrationAsync(source, context, trigger).ConfigureAwait(false);
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, address);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarInt64(directory.Ticks);
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
            outcome = await activation!.MigrateAsync(target, MigrationTrigger.Management).ConfigureAwait(false);
        }
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        w.WriteFieldHeader(1, WireType.VarInt);
        w.WriteVarUInt32((uint)outcome);
        w.Commit();
        return payload;
    }
}
