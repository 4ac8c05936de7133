using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Storage;

/// <summary>
/// Grain storage kept by the development primary silo, so state outlives any other silo of a
/// local cluster. Other silos send serialized state to the primary; the primary holds it in a
/// <see cref="VersionedByteStore"/> with the same ETag rules as every provider.
/// </summary>
internal sealed class DevelopmentGrainStorage(string name, string serviceId, SiloRuntime runtime, SiloAddress? primary) : IGrainStorage
{
    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Key(stateName, grainId);
        if (primary is null)
        {
            GrainStateBytes.Apply(grainState, runtime.DevelopmentStore.TryRead(key, out var local, out var localEtag), local, localEtag);
            return;
        }
        var response = await CallAsync(SystemTargetIds.StorageRead, key, null, null, cancellationToken).ConfigureAwait(false);
        try
        {
            var (found, data, etag) = DecodeRead(response.PayloadSpan);
            GrainStateBytes.Apply(grainState, found, data, etag);
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Key(stateName, grainId);
        var data = Serializer.SerializeToArray(grainState.State);
        if (primary is null)
        {
            grainState.ETag = runtime.DevelopmentStore.Write(key, data, grainState.ETag);
        }
        else
        {
            var response = await CallAsync(SystemTargetIds.StorageWrite, key, data, grainState.ETag, cancellationToken).ConfigureAwait(false);
            try
            {
                grainState.ETag = DecodeRead(response.PayloadSpan).ETag;
            }
            finally
            {
                response.ReleasePayload();
            }
        }
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = Key(stateName, grainId);
        if (primary is null)
        {
            runtime.DevelopmentStore.Clear(key, grainState.ETag);
        }
        else
        {
            var response = await CallAsync(SystemTargetIds.StorageClear, key, null, grainState.ETag, cancellationToken).ConfigureAwait(false);
            response.ReleasePayload();
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Serves a storage request on the primary.</summary>
    public static PooledBuffer Handle(VersionedByteStore store, Message request)
    {
        string? key = null, etag = null;
        byte[]? data = null;
        var r = new Reader(request.PayloadSpan);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: key = r.ReadUtf8(); break;
                case 2: data = r.ReadLengthPrefixed().ToArray(); break;
                case 3: etag = r.ReadUtf8(); break;
                default: r.SkipField(wireType); break;
            }
        }
        if (key is null)
        {
            throw new SerializationException("A storage request lacks its key.");
        }
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        switch (request.MethodId)
        {
            case SystemTargetIds.StorageRead:
                if (store.TryRead(key, out var stored, out var storedEtag))
                {
                    w.WriteFieldHeader(2, WireType.LengthPrefixed);
                    w.WriteLengthPrefixed(stored);
                    SystemCodecs.WriteString(ref w, 3, storedEtag);
                }
                break;
            case SystemTargetIds.StorageWrite:
                SystemCodecs.WriteString(ref w, 3, store.Write(key, data ?? [], etag));
                break;
            case SystemTargetIds.StorageClear:
                store.Clear(key, etag);
                break;
            default:
                throw new GrainException($"Unknown storage method {request.MethodId}.");
        }
        w.Commit();
        return payload;
    }

    private static (bool Found, byte[] Data, string ETag) DecodeRead(ReadOnlySpan<byte> payload)
    {
        byte[]? data = null;
        string? etag = null;
        var r = new Reader(payload);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 2: data = r.ReadLengthPrefixed().ToArray(); break;
                case 3: etag = r.ReadUtf8(); break;
                default: r.SkipField(wireType); break;
            }
        }
        return (etag is not null, data ?? [], etag ?? string.Empty);
    }

    private Task<Message> CallAsync(uint method, string key, byte[]? data, string? etag, CancellationToken cancellationToken)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteString(ref w, 1, key);
        if (data is not null)
        {
            w.WriteFieldHeader(2, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(data);
        }
        if (etag is not null)
        {
            SystemCodecs.WriteString(ref w, 3, etag);
        }
        w.Commit();
        return runtime.Router.SystemCallAsync(primary!, SystemTargetIds.Storage, method, payload).WaitAsync(cancellationToken);
    }

    private string Key(string stateName, GrainId grainId) => $"{name}:{StorageKeys.For(serviceId, grainId, stateName)}";
}
