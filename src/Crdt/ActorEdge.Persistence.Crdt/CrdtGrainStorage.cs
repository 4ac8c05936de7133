using System.Security.Cryptography;
using ActorEdge.Crdt;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt;

/// <summary>
/// Grain storage over this silo's CRDT replicas. An ordinary state is a last-writer-wins register
/// of its serialized bytes (HLC timestamps, ties broken by replica id), so concurrent writers on
/// different silos converge to the latest write. The ETag is derived from the state's causal
/// context, which grows with every update from any silo: a write whose ETag does not match the
/// local replica throws <see cref="InconsistentStateException"/>, and ETags are never reused.
/// Migration (Proactive) hands the state's version to the target, which waits for it (CrdtGrainStorage.Migration.cs).
/// </summary>
internal sealed partial class CrdtGrainStorage(string name, string serviceId, CrdtStorageOptions options, CrdtReplicator replicator) : ICrdtGrainStorage, IGrainStorageMigration
{
    public string Name { get; } = name;

    internal CrdtReplicator Replicator => replicator;

    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(stateName, grainId);
        await replicator.RefreshAsync(key, options.ReadRepairTimeout, cancellationToken).ConfigureAwait(false);
        var (bytes, etag) = replicator.Read<LwwRegister<byte[]>, (byte[]?, string?)>(
            key,
            static (register, version) => register is { HasValue: true } ? (register.Value, EtagOf(version!)) : (null, null));
        if (bytes is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = Serializer.Deserialize<TState>(bytes);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var bytes = Serializer.SerializeToArray(grainState.State);
        var expected = grainState.ETag;
        var version = await replicator.UpdateAsync<LwwRegister<byte[]>>(KeyOf(stateName, grainId), (register, current) =>
        {
            Check(register, current, expected, "write");
            // After every timestamp the replica has seen for this state, even if this silo's clock lags.
            replicator.Clock.Observe(register.Timestamp);
            return register.Assign(bytes, replicator.Clock.Now(), replicator.ReplicaId);
        }).ConfigureAwait(false);
        grainState.ETag = EtagOf(version);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
    {
        var expected = grainState.ETag;
        await replicator.UpdateAsync<LwwRegister<byte[]>>(KeyOf(stateName, grainId), (register, current) =>
        {
            Check(register, current, expected, "clear");
            if (!register.HasValue)
            {
                return null;
            }
            replicator.Clock.Observe(register.Timestamp);
            return register.Clear(replicator.Clock.Now(), replicator.ReplicaId);
        }).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public CrdtVersion GetVersion(string stateName, GrainId grainId) => new(replicator.VersionOf(KeyOf(stateName, grainId)));

    public Task WaitForVersionAsync(string stateName, GrainId grainId, CrdtVersion version, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        return replicator.WaitForVersionAsync(KeyOf(stateName, grainId), version.Context, timeout ?? options.CatchUpTimeout, cancellationToken);
    }

    public ICrdtState<TCrdt> GetCrdtState<TCrdt>(string stateName, GrainId grainId) where TCrdt : class, ICrdt<TCrdt>
    {
        replicator.Types.NameOf<TCrdt>();
        return new CrdtState<TCrdt>(this, stateName, grainId);
    }

    /// <summary>The replica key: provider, service, grain type, grain key, state name.</summary>
    internal string KeyOf(string stateName, GrainId grainId) => $"{Name}/{serviceId}/{grainId.Type}/{grainId.Key}/{stateName}";

    private static void Check(LwwRegister<byte[]> register, CausalContext current, string? expected, string operation)
    {
        var stored = register.HasValue ? EtagOf(current) : null;
        if (!string.Equals(stored, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"CRDT storage refused a {operation}: the ETag does not match this silo's replica", stored, expected);
        }
    }

    /// <summary>A digest of the causal context: it changes with every update and never repeats.</summary>
    internal static string EtagOf(CausalContext version)
    {
        var bytes = ReplicationCodec.Encode((ref Writer w) => version.WriteBody(ref w));
        return Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12));
    }

    private sealed class CrdtState<TCrdt>(CrdtGrainStorage storage, string stateName, GrainId grainId) : ICrdtState<TCrdt> where TCrdt : class, ICrdt<TCrdt>
    {
        private readonly string _key = storage.KeyOf(stateName, grainId);

        public TCrdt Value => storage.Replicator.TryRead<TCrdt>(_key, out var state, out _) ? state : TCrdt.CreateEmpty();

        public TResult Read<TResult>(Func<TCrdt, TResult> read)
        {
            ArgumentNullException.ThrowIfNull(read);
            return storage.Replicator.Read<TCrdt, TResult>(_key, (state, _) => read(state ?? TCrdt.CreateEmpty()));
        }

        public CrdtVersion Version => new(storage.Replicator.VersionOf(_key));

        public async Task<CrdtVersion> UpdateAsync(Func<TCrdt, CrdtUpdateContext, TCrdt> mutate)
        {
            ArgumentNullException.ThrowIfNull(mutate);
            var context = new CrdtUpdateContext(storage.Replicator.ReplicaId, storage.Replicator.Clock);
            return new CrdtVersion(await storage.Replicator.UpdateAsync<TCrdt>(_key, (crdt, _) => mutate(crdt, context)).ConfigureAwait(false));
        }

        public Task WaitForVersionAsync(CrdtVersion version, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
            storage.WaitForVersionAsync(stateName, grainId, version, timeout, cancellationToken);
    }
}

/// <summary><see cref="ICrdtStateFactory"/> over the CRDT storage providers of the silo.</summary>
internal sealed class CrdtStateFactory(IServiceProvider services) : ICrdtStateFactory
{
    public ICrdtState<TCrdt> Get<TCrdt>(GrainId grainId, string stateName, string storageName) where TCrdt : class, ICrdt<TCrdt>
    {
        var storage = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions.GetKeyedService<IGrainStorage>(services, storageName) as ICrdtGrainStorage
            ?? throw new CrdtStorageException($"Storage provider '{storageName}' is not CRDT storage: add it with silo.AddCrdtGrainStorage(\"{storageName}\").");
        return storage.GetCrdtState<TCrdt>(stateName, grainId);
    }
}
