using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A map from keys to CRDT values with add-wins key presence: updating a key adds it (with a new
/// dot), removing it removes the additions seen, and an update concurrent with a remove keeps the
/// key. Values join per key.
/// </summary>
/// <remarks>
/// <para>
/// A remove hides the key but does not reset its value: a key updated again after a remove shows
/// the joined value of all updates, as a counter map would expect ("remove then increment"
/// resumes the count). Remove and re-create with a fresh key when a reset is needed.
/// </para>
/// <para>
/// An update replaces only its own replica's earlier dot of the key, so a key holds at most one dot
/// per replica that updated it since the last remove, and an update's delta names no other replica.
/// A remove removes the dots it has seen. Under causal delivery this is the same presence as
/// replacing every dot seen; when deltas overtake each other across origins, a remove removes only
/// the additions whose dots reached it (an earlier addition it knew only through a later update
/// survives it).
/// </para>
/// </remarks>
/// <typeparam name="TKey">The key type: it needs a codec and value equality.</typeparam>
/// <typeparam name="TValue">The CRDT held per key.</typeparam>
public sealed class ORMap<TKey, TValue> : ICrdt<ORMap<TKey, TValue>>, IRevertibleCrdt
    where TKey : notnull
    where TValue : class, ICrdt<TValue>
{
    private DotKernel<TKey> _keys = new();
    private readonly Dictionary<TKey, TValue> _values = [];

    // While changes are tracked: each value touched, as it was before its first change (see Touch).
    private bool _tracking;
    private Dictionary<TKey, SavedValue>? _savedValues;

    /// <inheritdoc />
    public static byte TypeTag => 6;

    /// <inheritdoc />
    public static ORMap<TKey, TValue> CreateEmpty() => new();

    /// <summary>The keys present, ordered by their encoding.</summary>
    public IReadOnlyList<TKey> Keys => ElementBytes<TKey>.SortBy(_keys.DistinctValues, static k => k);

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
    public bool ContainsKey(TKey key) => _keys.Contains(key);

    /// <summary>
    /// Updates the value of <paramref name="key"/> on behalf of <paramref name="replica"/>:
    /// <paramref name="mutate"/> receives the value (empty when new), mutates it and returns its
    /// delta. Returns the map's delta.
    /// </summary>
    public ORMap<TKey, TValue> Update(string replica, TKey key, Func<TValue, TValue> mutate)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        Touch(key);
        if (!_values.TryGetValue(key, out var value))
        {
            value = TValue.CreateEmpty();
            _values[key] = value;
        }
        var valueDelta = mutate(value);
        var delta = new ORMap<TKey, TValue> { _keys = _keys.Add(replica, key, _keys.Remove(key, replica)) };
        delta._values[key] = valueDelta;
        return delta;
    }

    /// <summary>Removes <paramref name="key"/> as far as this replica has seen it; returns the delta.</summary>
    public ORMap<TKey, TValue> Remove(TKey key)
    {
        var delta = _keys.Remove(key, null);
        _keys.Merge(delta);
        return new ORMap<TKey, TValue> { _keys = delta };
    }

    /// <inheritdoc />
    public void Merge(ORMap<TKey, TValue> other)
    {
        _keys.Merge(other._keys);
        foreach (var (key, value) in other._values)
        {
            Touch(key);
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
    public void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_tracking);
        _keys.TrackChanges();
        _tracking = true;
        _savedValues ??= [];
    }

    /// <inheritdoc />
    public void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _keys.AcceptChanges();
        _tracking = false;
        foreach (var saved in _savedValues!.Values)
        {
            if (saved.Tracked)
            {
                ((IRevertibleCrdt)saved.Before!).AcceptChanges();
            }
        }
        _savedValues.Clear();
    }

    /// <inheritdoc />
    public void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _keys.RejectChanges();
        _tracking = false;
        foreach (var (key, saved) in _savedValues!)
        {
            if (saved.Before is null)
            {
                _values.Remove(key);
            }
            else if (saved.Tracked)
            {
                ((IRevertibleCrdt)saved.Before).RejectChanges();
            }
            else
            {
                _values[key] = saved.Before;
            }
        }
        _savedValues.Clear();
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

    /// <summary>
    /// Fields: 1 = the causal context without the dots the keys imply (see <see cref="DotKernel{T}.ImpliedDots"/>;
    /// left out when nothing remains), 2 = a key, sorted by key encoding: 1 = the key, its dots
    /// (<see cref="DotKernel.WriteDot"/> from field 2, sorted), 5 = its value. A removed key keeps
    /// its value and has no dots.
    /// </summary>
    public void WriteBody(ref Writer writer)
    {
        var (replaced, implied) = _keys.ImpliedDots();
        _keys.Context.WriteBodyBeyond(ref writer, 1, implied);
        var dotsOf = new Dictionary<TKey, List<Dot>>();
        foreach (var (dot, key) in _keys.Entries)
        {
            if (!dotsOf.TryGetValue(key, out var dots))
            {
                dotsOf[key] = dots = [];
            }
            dots.Add(dot);
        }
        var keys = new HashSet<TKey>(_values.Keys);
        keys.UnionWith(dotsOf.Keys);
        foreach (var key in ElementBytes<TKey>.SortBy(keys, static k => k))
        {
            writer.WriteStartObject(2);
            Codec<TKey>.Instance.Write(ref writer, 1, key);
            if (dotsOf.TryGetValue(key, out var dots))
            {
                dots.Sort();
                foreach (var dot in dots)
                {
                    DotKernel.WriteDot(ref writer, 2, dot, replaced.GetValueOrDefault(dot));
                }
            }
            if (_values.TryGetValue(key, out var value))
            {
                CrdtWire.WriteNested(ref writer, 5, value);
            }
            writer.WriteEndObject();
        }
    }

    /// <inheritdoc />
    public static ORMap<TKey, TValue> ReadBody(ref Reader reader)
    {
        var map = new ORMap<TKey, TValue>();
        CausalContext? context = null;
        var written = new List<(Dot Dot, ulong Replaced)>();
        var seen = new HashSet<TKey>();
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    context = DotKernel.ReadContext(ref reader, wireType, context);
                    break;
                case 2:
                    map.ReadKey(ref reader, wireType, written, seen);
                    break;
                default:
                    reader.SkipField(wireType);
                    break;
            }
        }
        map._keys.RestoreContext(context, written);
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

    private void ReadKey(ref Reader reader, WireType wireType, List<(Dot Dot, ulong Replaced)> written, HashSet<TKey> seen)
    {
        reader.EnterObject(wireType);
        var first = written.Count;
        var hasKey = false;
        TKey key = default!;
        TValue? value = null;
        string? replica = null;
        while (reader.TryReadFieldHeader(out var field, out var fieldType))
        {
            if (DotKernel.TryReadDotField(ref reader, field, fieldType, 2, ref replica, written))
            {
                continue;
            }
            switch (field)
            {
                case 1 when !hasKey: key = Codec<TKey>.Instance.Read(ref reader, fieldType); hasKey = true; break;
                case 5 when value is null: value = CrdtWire.ReadNested<TValue>(ref reader, fieldType); break;
                case 1: throw CrdtWire.Duplicate("the key of a map entry");
                case 5: throw CrdtWire.Duplicate("the value of a map key");
                default: reader.SkipField(fieldType); break;
            }
        }
        DotKernel.EndDotFields(replica);
        if (!hasKey || key is null || (value is null && written.Count == first))
        {
            throw new SerializationException("Malformed CRDT data: a map entry lacks its key, or has neither dots nor a value.");
        }
        if (!seen.Add(key))
        {
            throw CrdtWire.Duplicate("a map key");
        }
        if (value is not null)
        {
            _values[key] = value;
        }
        for (var i = first; i < written.Count; i++)
        {
            if (!_keys.TryAddEntry(written[i].Dot, key))
            {
                throw CrdtWire.Duplicate($"the dot {written[i].Dot}");
            }
        }
    }

    /// <summary>
    /// Saves the value of <paramref name="key"/> before its first change while changes are tracked:
    /// a value that tracks its own changes is told to (the map never replaces a value object it holds,
    /// so undoing is that object's own), any other is copied; a key without a value is marked to go.
    /// </summary>
    private void Touch(TKey key)
    {
        if (!_tracking || _savedValues!.ContainsKey(key))
        {
            return;
        }
        if (!_values.TryGetValue(key, out var value))
        {
            _savedValues[key] = default;
        }
        else if (value is IRevertibleCrdt revertible)
        {
            revertible.TrackChanges();
            _savedValues[key] = new SavedValue(value, Tracked: true);
        }
        else
        {
            _savedValues[key] = new SavedValue(value.Clone(), Tracked: false);
        }
    }

    /// <summary>A value before a tracked change: null when the key had none; <paramref name="Tracked"/> when it is the live value, tracking its own changes, else a copy.</summary>
    private readonly record struct SavedValue(TValue? Before, bool Tracked);
}
