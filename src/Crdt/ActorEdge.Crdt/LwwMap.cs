using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A map of <see cref="LwwRegister{T}"/>s: each key is set or removed by the latest write
/// (removes leave a timestamped tombstone, so an older set cannot bring a key back).
/// </summary>
/// <typeparam name="TKey">The key type: it needs a codec and value equality.</typeparam>
/// <typeparam name="TValue">The value type: it needs a codec.</typeparam>
public sealed class LwwMap<TKey, TValue> : ICrdt<LwwMap<TKey, TValue>>, IRevertibleCrdt where TKey : notnull
{
    private readonly Dictionary<TKey, LwwRegister<TValue>> _entries = [];

    // While changes are tracked: each register touched, copied before its first change (null: the key had none).
    private bool _tracking;
    private Dictionary<TKey, LwwRegister<TValue>?>? _savedRegisters;

    /// <inheritdoc />
    public static byte TypeTag => 7;

    /// <inheritdoc />
    public static LwwMap<TKey, TValue> CreateEmpty() => new();

    /// <summary>The keys present (not removed), ordered by their encoding.</summary>
    public IReadOnlyList<TKey> Keys
    {
        get
        {
            var keys = new List<TKey>();
            foreach (var (key, register) in _entries)
            {
                if (register.HasValue)
                {
                    keys.Add(key);
                }
            }
            return ElementBytes<TKey>.SortBy(keys, static k => k);
        }
    }

    /// <summary>The value of <paramref name="key"/> when present.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var register) && register.HasValue)
        {
            value = register.Value!;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Sets <paramref name="key"/> at <paramref name="timestamp"/>; returns the delta.</summary>
    public LwwMap<TKey, TValue> Set(TKey key, TValue value, HlcTimestamp timestamp, string replica) =>
        Apply(key, register => register.Assign(value, timestamp, replica));

    /// <summary>Removes <paramref name="key"/> at <paramref name="timestamp"/>; returns the delta.</summary>
    public LwwMap<TKey, TValue> Remove(TKey key, HlcTimestamp timestamp, string replica) =>
        Apply(key, register => register.Clear(timestamp, replica));

    /// <inheritdoc />
    public void Merge(LwwMap<TKey, TValue> other)
    {
        foreach (var (key, register) in other._entries)
        {
            Touch(key);
            if (_entries.TryGetValue(key, out var mine))
            {
                mine.Merge(register);
            }
            else
            {
                _entries[key] = register.Clone();
            }
        }
    }

    /// <inheritdoc />
    public LwwMap<TKey, TValue> Clone()
    {
        var copy = new LwwMap<TKey, TValue>();
        foreach (var (key, register) in _entries)
        {
            copy._entries[key] = register.Clone();
        }
        return copy;
    }

    /// <inheritdoc />
    public void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_tracking);
        _tracking = true;
        _savedRegisters ??= [];
    }

    /// <inheritdoc />
    public void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        _savedRegisters!.Clear();
    }

    /// <inheritdoc />
    public void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        foreach (var (key, before) in _savedRegisters!)
        {
            if (before is null)
            {
                _entries.Remove(key);
            }
            else
            {
                _entries[key] = before;
            }
        }
        _savedRegisters.Clear();
    }

    /// <inheritdoc />
    public void WriteBody(ref Writer writer)
    {
        foreach (var (key, register) in ElementBytes<TKey>.SortBy(_entries, static e => e.Key))
        {
            writer.WriteStartObject(1);
            Codec<TKey>.Instance.Write(ref writer, 1, key);
            CrdtWire.WriteNested(ref writer, 2, register);
            writer.WriteEndObject();
        }
    }

    /// <inheritdoc />
    public static LwwMap<TKey, TValue> ReadBody(ref Reader reader)
    {
        var map = new LwwMap<TKey, TValue>();
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field != 1)
            {
                reader.SkipField(wireType);
                continue;
            }
            reader.EnterObject(wireType);
            var hasKey = false;
            TKey key = default!;
            LwwRegister<TValue>? register = null;
            while (reader.TryReadFieldHeader(out var inner, out var innerType))
            {
                switch (inner)
                {
                    case 1: key = Codec<TKey>.Instance.Read(ref reader, innerType); hasKey = true; break;
                    case 2: register = CrdtWire.ReadNested<LwwRegister<TValue>>(ref reader, innerType); break;
                    default: reader.SkipField(innerType); break;
                }
            }
            if (!hasKey || key is null || register is null)
            {
                throw new SerializationException("Malformed CRDT data: a map entry lacks its key or register.");
            }
            if (!map._entries.TryAdd(key, register))
            {
                throw CrdtWire.Duplicate("a map key");
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
            parts.Add($"{key}: {_entries[key].Value}");
        }
        return "{" + string.Join(", ", parts) + "}";
    }

    private LwwMap<TKey, TValue> Apply(TKey key, Func<LwwRegister<TValue>, LwwRegister<TValue>> change)
    {
        Touch(key);
        if (!_entries.TryGetValue(key, out var register))
        {
            register = new LwwRegister<TValue>();
            _entries[key] = register;
        }
        var delta = new LwwMap<TKey, TValue>();
        delta._entries[key] = change(register);
        return delta;
    }

    /// <summary>Saves the register of <paramref name="key"/> before its first change while changes are tracked (a register copies in constant time).</summary>
    private void Touch(TKey key)
    {
        if (_tracking && !_savedRegisters!.ContainsKey(key))
        {
            _savedRegisters[key] = _entries.TryGetValue(key, out var register) ? register.Clone() : null;
        }
    }
}
