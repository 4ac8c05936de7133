using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A map from keys to CRDT values with add-wins key presence: updating a key adds it (with a new
/// dot), removing it removes the additions seen, and an update concurrent with a remove keeps the
/// key. Values join per key.
/// </summary>
/// <remarks>
/// A remove hides the key but does not reset its value: a key updated again after a remove shows
/// the joined value of all updates, as a counter map would expect ("remove then increment"
/// resumes the count). Remove and re-create with a fresh key when a reset is needed.
/// </remarks>
/// <typeparam name="TKey">The key type: it needs a codec and value equality.</typeparam>
/// <typeparam name="TValue">The CRDT held per key.</typeparam>
public sealed class ORMap<TKey, TValue> : ICrdt<ORMap<TKey, TValue>>
    where TKey : notnull
    where TValue : class, ICrdt<TValue>
{
    private DotKernel<TKey> _keys = new();
    private readonly Dictionary<TKey, TValue> _values = [];

    /// <inheritdoc />
    public static byte TypeTag => 6;

    /// <inheritdoc />
    public static ORMap<TKey, TValue> CreateEmpty() => new();

    /// <summary>The keys present, ordered by their encoding.</summary>
    public IReadOnlyList<TKey> Keys => ElementBytes<TKey>.SortBy(new HashSet<TKey>(_keys.Entries.Values), static k => k);

    /// <summary>The causal context of key presence.</summary>
    public CausalContext Context => _keys.Context;

    /// <summary>The value of <paramref name="key"/> when present (the live state: do not mutate it; use <see cref="Update"/>).</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        if (ContainsKey(key) && _values.TryGetValue(key, out var found))
        {
            value = found;
            return true;
        }
        value = null!;
        return false;
    }

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool ContainsKey(TKey key)
    {
        var comparer = EqualityComparer<TKey>.Default;
        foreach (var present in _keys.Entries.Values)
        {
            if (comparer.Equals(present, key))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Updates the value of <paramref name="key"/> on behalf of <paramref name="replica"/>:
    /// <paramref name="mutate"/> receives the value (empty when new), mutates it and returns its
    /// delta. Returns the map's delta.
    /// </summary>
    public ORMap<TKey, TValue> Update(string replica, TKey key, Func<TValue, TValue> mutate)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        if (!_values.TryGetValue(key, out var value))
        {
            value = TValue.CreateEmpty();
            _values[key] = value;
        }
        var valueDelta = mutate(value);
        var comparer = EqualityComparer<TKey>.Default;
        var delta = new ORMap<TKey, TValue> { _keys = _keys.Add(replica, key, k => comparer.Equals(k, key)) };
        delta._values[key] = valueDelta;
        return delta;
    }

    /// <summary>Removes <paramref name="key"/> as far as this replica has seen it; returns the delta.</summary>
    public ORMap<TKey, TValue> Remove(TKey key)
    {
        var comparer = EqualityComparer<TKey>.Default;
        var delta = _keys.Remove(k => comparer.Equals(k, key));
        _keys.Merge(delta);
        return new ORMap<TKey, TValue> { _keys = delta };
    }

    /// <inheritdoc />
    public void Merge(ORMap<TKey, TValue> other)
    {
        _keys.Merge(other._keys);
        foreach (var (key, value) in other._values)
        {
            if (_values.TryGetValue(key, out var mine))
            {
                mine.Merge(value);
            }
            else
            {
                _values[key] = value.Clone();
            }
        }
    }

    /// <inheritdoc />
    public ORMap<TKey, TValue> Clone()
    {
        var copy = new ORMap<TKey, TValue> { _keys = _keys.Clone() };
        foreach (var (key, value) in _values)
        {
            copy._values[key] = value.Clone();
        }
        return copy;
    }

    /// <inheritdoc />
    public void WriteBody(ref Writer writer)
    {
        writer.WriteStartObject(1);
        _keys.WriteBody(ref writer);
        writer.WriteEndObject();
        // A value whose key is in the key set refers to the key's entry (its index in dot order) instead of repeating the key.
        var entryOf = new Dictionary<TKey, int>();
        var dots = new List<Dot>(_keys.Entries.Keys);
        dots.Sort();
        for (var i = 0; i < dots.Count; i++)
        {
            entryOf.TryAdd(_keys.Entries[dots[i]], i);
        }
        foreach (var (key, value) in ElementBytes<TKey>.SortBy(_values, static e => e.Key))
        {
            writer.WriteStartObject(2);
            if (entryOf.TryGetValue(key, out var entry))
            {
                writer.WriteFieldHeader(3, WireType.VarInt);
                writer.WriteVarUInt32((uint)entry);
            }
            else
            {
                Codec<TKey>.Instance.Write(ref writer, 1, key);
            }
            CrdtWire.WriteNested(ref writer, 2, value);
            writer.WriteEndObject();
        }
    }

    /// <inheritdoc />
    public static ORMap<TKey, TValue> ReadBody(ref Reader reader)
    {
        var map = new ORMap<TKey, TValue>();
        List<Dot>? dots = null;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    if (dots is not null)
                    {
                        throw CrdtWire.Duplicate("the key set");
                    }
                    reader.EnterObject(wireType);
                    map._keys = DotKernel<TKey>.ReadBody(ref reader);
                    dots = new List<Dot>(map._keys.Entries.Keys);
                    dots.Sort();
                    break;
                case 2:
                {
                    reader.EnterObject(wireType);
                    var hasKey = false;
                    TKey key = default!;
                    TValue? value = null;
                    while (reader.TryReadFieldHeader(out var inner, out var innerType))
                    {
                        switch (inner)
                        {
                            case 1 when !hasKey: key = Codec<TKey>.Instance.Read(ref reader, innerType); hasKey = true; break;
                            case 3 when !hasKey:
                            {
                                CrdtWire.Expect(innerType, WireType.VarInt);
                                var entry = reader.ReadVarUInt64();
                                key = dots is not null && entry < (ulong)dots.Count
                                    ? map._keys.Entries[dots[(int)entry]]
                                    : throw new SerializationException($"Malformed CRDT data: a map value refers to key entry {entry}, which the key set before it does not have.");
                                hasKey = true;
                                break;
                            }
                            case 1 or 3: throw CrdtWire.Duplicate("the key of a map value");
                            case 2: value = CrdtWire.ReadNested<TValue>(ref reader, innerType); break;
                            default: reader.SkipField(innerType); break;
                        }
                    }
                    if (!hasKey || key is null || value is null)
                    {
                        throw new SerializationException("Malformed CRDT data: a map entry lacks its key or value.");
                    }
                    if (!map._values.TryAdd(key, value))
                    {
                        throw CrdtWire.Duplicate("a map key");
                    }
                    break;
                }
                default:
                    reader.SkipField(wireType);
                    break;
            }
        }
        return map;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        foreach (var key in Keys)
        {
            parts.Add($"{key}: {_values.GetValueOrDefault(key)}");
        }
        return "{" + string.Join(", ", parts) + "}";
    }
}
