using ActorEdge.Crdt;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>A replicated CRDT of a type known only at run time: merges encoded states and deltas.</summary>
internal interface IReplicatedValue
{
    string TypeName { get; }

    object Value { get; }

    /// <summary>Decodes a state or delta of this type (throws SerializationException when corrupt); a delta names its origin, whose id it may leave out.</summary>
    object Decode(ReadOnlySpan<byte> stateOrDelta, string? origin = null);

    /// <summary>Joins a decoded state or delta.</summary>
    void Merge(object decoded);

    byte[] Encode();

    /// <summary>Whether this is a grain-state register without a value (cleared, or never written): a candidate for key GC.</summary>
    bool IsTombstone { get; }
}

internal sealed class ReplicatedValue<T>(string typeName, T value) : IReplicatedValue where T : class, ICrdt<T>
{
    public string TypeName { get; } = typeName;

    public T Crdt { get; } = value;

    public object Value => Crdt;

    public object Decode(ReadOnlySpan<byte> stateOrDelta, string? origin = null) => CrdtSerializer.Deserialize<T>(stateOrDelta, origin);

    public void Merge(object decoded) => Crdt.Merge((T)decoded);

    public byte[] Encode() => CrdtSerializer.SerializeToArray(Crdt);

    public bool IsTombstone => Crdt is LwwRegister<byte[]> { HasValue: false };
}

/// <summary>The CRDT types a silo can replicate, by the names they travel under.</summary>
internal sealed class CrdtTypeRegistry
{
    /// <summary>The name of the register that holds an ordinary grain state (state-level last writer wins).</summary>
    public const string GrainStateType = "lww:bytes";

    private readonly Dictionary<string, Func<IReplicatedValue>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _byType = [];

    public static CrdtTypeRegistry CreateWithBuiltIns()
    {
        var registry = new CrdtTypeRegistry();
        registry.Register<LwwRegister<byte[]>>(GrainStateType);
        registry.Register<GCounter>("gcounter");
        registry.Register<PNCounter>("pncounter");
        registry.Register<LwwRegister<string>>("lww:string");
        registry.Register<MVRegister<string>>("mv:string");
        registry.Register<ORSet<string>>("orset:string");
        registry.Register<LwwMap<string, string>>("lwwmap:string:string");
        registry.Register<ORMap<string, GCounter>>("ormap:string:gcounter");
        registry.Register<ORMap<string, PNCounter>>("ormap:string:pncounter");
        return registry;
    }

    public void Register<T>(string name) where T : class, ICrdt<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_byType.TryGetValue(typeof(T), out var existing) && existing != name)
        {
            throw new InvalidOperationException($"CRDT type {typeof(T)} is already registered as '{existing}'.");
        }
        if (_byName.ContainsKey(name) && (!_byType.TryGetValue(typeof(T), out var same) || same != name))
        {
            throw new InvalidOperationException($"The CRDT type name '{name}' is already used by another type.");
        }
        _byName[name] = () => new ReplicatedValue<T>(name, T.CreateEmpty());
        _byType[typeof(T)] = name;
    }

    public string NameOf<T>() where T : class, ICrdt<T> =>
        _byType.TryGetValue(typeof(T), out var name)
            ? name
            : throw new CrdtStorageException($"CRDT type {typeof(T)} is not registered for replication: call RegisterType<{typeof(T).Name}>(\"name\") on CrdtReplicationOptions (silo.ConfigureCrdtReplication) on every silo.");

    public bool TryCreate(string name, out IReplicatedValue value)
    {
        if (_byName.TryGetValue(name, out var factory))
        {
            value = factory();
            return true;
        }
        value = null!;
        return false;
    }
}
