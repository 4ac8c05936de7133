using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.SystemTargets;

/// <summary>The grain directory of the development primary silo, reached over the silo transport.</summary>
internal sealed class RemoteGrainDirectory(SiloRuntime runtime, SiloAddress primary) : IGrainDirectory
{
    public async Task<GrainAddress?> RegisterAsync(GrainAddress address, GrainAddress? previousAddress, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, address);
        if (previousAddress is not null)
        {
            SystemCodecs.WriteAddress(ref w, 2, previousAddress);
        }
        w.Commit();
        var winner = await CallForAddressAsync(SystemTargetIds.DirectoryRegister, payload, cancellationToken).ConfigureAwait(false);
        // Only a swap may find no entry.
        return winner is not null || previousAddress is not null ? winner : throw new GrainException("The directory answered a registration without an address.");
    }

    public async Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, address);
        w.Commit();
        await CallForAddressAsync(SystemTargetIds.DirectoryUnregister, payload, cancellationToken).ConfigureAwait(false);
    }

    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteGrainId(ref w, 1, grainId);
        w.Commit();
        return CallForAddressAsync(SystemTargetIds.DirectoryLookup, payload, cancellationToken);
    }

    public async Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        foreach (var silo in silos)
        {
            MessageSerializer.WriteSilo(ref w, 1, silo);
        }
        w.Commit();
        await CallForAddressAsync(SystemTargetIds.DirectoryUnregisterSilos, payload, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GrainAddress?> CallForAddressAsync(uint method, PooledBuffer payload, CancellationToken cancellationToken)
    {
        var response = await runtime.Router.SystemCallAsync(primary, SystemTargetIds.Directory, method, payload).WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            GrainAddress? result = null;
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                if (field == 1)
                {
                    result = SystemCodecs.ReadAddress(ref r, wireType);
                }
                else
                {
                    r.SkipField(wireType);
                }
            }
            return result;
        }
        finally
        {
            response.ReleasePayload();
        }
    }
}
