using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The set of events (dots) a state has seen, kept compact: a version vector covers every
/// replica's contiguous prefix 1..n, and a small dot cloud holds the dots seen out of order
/// until the gap before them fills.
/// </summary>
public sealed class CausalContext
{
    private readonly Dictionary<string, ulong> _vector;
    private readonly HashSet<Dot> _cloud;

    // While changes are tracked: each changed replica's prefix before its first change (0: none),
    // and the cloud's additions and removals in order, so a rejected update is undone in its own size.
    private bool _tracking;
    private Dictionary<string, ulong>? _savedPrefixes;
    private List<(Dot Dot, bool Added)>? _cloudChanges;

    /// <summary>An empty context.</summary>
    public CausalContext()
    {
        _vector = new Dictionary<string, ulong>(StringComparer.Ordinal);
        _cloud = [];
    }

    private CausalContext(Dictionary<string, ulong> vector, HashSet<Dot> cloud)
    {
        _vector = vector;
        _cloud = cloud;
    }

    /// <summary>The compacted part: for each replica, the length of the prefix of its dots seen.</summary>
    public IReadOnlyDictionary<string, ulong> VersionVector => _vector;

    /// <summary>Dots seen beyond the version vector (not contiguous with it).</summary>
    public IReadOnlyCollection<Dot> DotCloud => _cloud;

    internal Dictionary<string, ulong> Vector => _vector;

    internal HashSet<Dot> Cloud => _cloud;

    /// <summary>Whether no dot has been seen.</summary>
    public bool IsEmpty => _vector.Count == 0 && _cloud.Count == 0;

    /// <summary>Whether <paramref name="dot"/> has been seen.</summary>
    public bool Contains(Dot dot) =>
        (_vector.TryGetValue(dot.Replica, out var prefix) && dot.Counter <= prefix) || _cloud.Contains(dot);

    /// <summary>The highest counter seen of <paramref name="replica"/>.</summary>
    public ulong Max(string replica)
    {
        _vector.TryGetValue(replica, out var max);
        foreach (var dot in _cloud)
        {
            if (dot.Counter > max && dot.Replica == replica)
            {
                max = dot.Counter;
            }
        }
        return max;
    }

    /// <summary>The dot of the next update of <paramref name="replica"/> (not added).</summary>
    public Dot NextDot(string replica) => new(replica, Max(replica) + 1);

    /// <summary>Adds one dot.</summary>
    public void Add(Dot dot)
    {
        if (dot.Counter == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dot), "Dot counters start at 1.");
        }
        _vector.TryGetValue(dot.Replica, out var prefix);
        if (dot.Counter <= prefix)
        {
            return;
        }
        if (dot.Counter == prefix + 1)
        {
            RaisePrefix(dot.Replica, prefix, dot.Counter);
        }
        else
        {
            CloudAdd(dot);
        }
    }

    /// <summary>Joins <paramref name="other"/> into this context (set union of the dots).</summary>
    /// <remarks>Costs the size of <paramref name="other"/> (plus the cloud dots it absorbs), not of this context.</remarks>
    public void Merge(CausalContext other)
    {
        foreach (var (replica, prefix) in other._vector)
        {
            _vector.TryGetValue(replica, out var mine);
            if (mine < prefix)
            {
                RaisePrefix(replica, mine, prefix);
            }
        }
        foreach (var dot in other._cloud)
        {
            Add(dot);
        }
    }

    /// <summary>Whether every dot of <paramref name="other"/> is in this context.</summary>
    public bool Includes(CausalContext other)
    {
        foreach (var (replica, prefix) in other._vector)
        {
            if (!_vector.TryGetValue(replica, out var mine) || mine < prefix)
            {
                // The cloud may still hold the missing dots one by one.
                for (var counter = mine + 1; counter <= prefix; counter++)
                {
                    if (!_cloud.Contains(new Dot(replica, counter)))
                    {
                        return false;
                    }
                }
            }
        }
        foreach (var dot in other._cloud)
        {
            if (!Contains(dot))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The dots of <paramref name="other"/> that this context lacks, counted per replica.</summary>
    public Dictionary<string, ulong> Missing(CausalContext other)
    {
        var missing = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (replica, prefix) in other._vector)
        {
            _vector.TryGetValue(replica, out var mine);
            for (var counter = mine + 1; counter <= prefix; counter++)
            {
                if (!_cloud.Contains(new Dot(replica, counter)))
                {
                    missing[replica] = missing.GetValueOrDefault(replica) + 1;
                }
            }
        }
        foreach (var dot in other._cloud)
        {
            if (!Contains(dot))
            {
                missing[dot.Replica] = missing.GetValueOrDefault(dot.Replica) + 1;
            }
        }
        return missing;
    }

    /// <summary>A deep copy.</summary>
    public CausalContext Clone() => new(new Dictionary<string, ulong>(_vector, StringComparer.Ordinal), [.. _cloud]);

    /// <summary>Writes the context as fields: 1 = a vector entry, 2 = a cloud dot (each replica then counter), sorted.</summary>
    public void WriteBody(ref Writer w) => WriteFields(ref w, 0, null);

    /// <summary>
    /// Writes the context as an object of field <paramref name="field"/>, leaving out what
    /// <paramref name="implied"/> holds (dots the enclosing encoding carries anyway, which the reader
    /// adds back): a cloud dot it holds, a vector entry whose whole prefix it holds. Writes nothing
    /// when that leaves nothing.
    /// </summary>
    internal void WriteBodyBeyond(ref Writer w, uint field, HashSet<Dot> implied) => WriteFields(ref w, field, implied);

    private void WriteFields(ref Writer w, uint field, HashSet<Dot>? implied)
    {
        // How many dots of each replica's prefix the implied set holds: all of them leaves the vector entry out.
        Dictionary<string, ulong>? held = null;
        if (implied is not null)
        {
            held = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var dot in implied)
            {
                if (_vector.TryGetValue(dot.Replica, out var prefix) && dot.Counter <= prefix)
                {
                    held[dot.Replica] = held.GetValueOrDefault(dot.Replica) + 1;
                }
            }
        }
        var open = false;
        var replicas = new List<string>(_vector.Keys);
        replicas.Sort(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            var prefix = _vector[replica];
            if (held is null || held.GetValueOrDefault(replica) != prefix)
            {
                Open(ref w, field, implied, ref open);
                WriteDot(ref w, 1, new Dot(replica, prefix));
            }
        }
        if (_cloud.Count > 0)
        {
            var cloud = new List<Dot>(_cloud);
            cloud.Sort();
            foreach (var dot in cloud)
            {
                if (implied is null || !implied.Contains(dot))
                {
                    Open(ref w, field, implied, ref open);
                    WriteDot(ref w, 2, dot);
                }
            }
        }
        if (open)
        {
            w.WriteEndObject();
        }

        static void Open(ref Writer w, uint field, HashSet<Dot>? implied, ref bool open)
        {
            if (implied is not null && !open)
            {
                w.WriteStartObject(field);
                open = true;
            }
        }
    }

    /// <summary>Reads what <see cref="WriteBody"/> wrote, up to the end of the enclosing object.</summary>
    public static CausalContext ReadBody(ref Reader r)
    {
        var context = new CausalContext();
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                {
                    var dot = ReadDot(ref r, wireType);
                    if (!context._vector.TryAdd(dot.Replica, dot.Counter))
                    {
                        throw CrdtWire.Duplicate($"the version vector entry of {dot.Replica}");
                    }
                    break;
                }
                case 2:
                    if (!context._cloud.Add(ReadDot(ref r, wireType)))
                    {
                        throw CrdtWire.Duplicate("a cloud dot");
                    }
                    break;
                default:
                    r.SkipField(wireType);
                    break;
            }
        }
        context.Compact();
        return context;
    }

    /// <summary>Writes a dot as a nested object (1 = replica, 2 = counter).</summary>
    public static void WriteDot(ref Writer w, uint field, Dot dot)
    {
        w.WriteStartObject(field);
        CrdtWire.WriteReplica(ref w, 1, dot.Replica);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarUInt64(dot.Counter);
        w.WriteEndObject();
    }

    /// <summary>Reads a dot written by <see cref="WriteDot"/>.</summary>
    public static Dot ReadDot(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? replica = null;
        ulong counter = 0;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: replica = CrdtWire.ReadReplica(ref r, inner); break;
                case 2: counter = CrdtWire.ReadUInt64(ref r, inner); break;
                default: r.SkipField(inner); break;
            }
        }
        if (replica is null || counter == 0)
        {
            throw new SerializationException("Malformed CRDT data: a dot lacks its replica or has counter 0.");
        }
        return new Dot(replica, counter);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var replicas = new List<string>(_vector.Keys);
        replicas.Sort(StringComparer.Ordinal);
        var parts = new List<string>();
        foreach (var replica in replicas)
        {
            parts.Add($"{replica}:1..{_vector[replica]}");
        }
        var cloud = new List<Dot>(_cloud);
        cloud.Sort();
        foreach (var dot in cloud)
        {
            parts.Add(dot.ToString());
        }
        return "{" + string.Join(", ", parts) + "}";
    }

    internal void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_tracking);
        _tracking = true;
        _savedPrefixes ??= new Dictionary<string, ulong>(StringComparer.Ordinal);
        _cloudChanges ??= [];
    }

    internal void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        _savedPrefixes!.Clear();
        _cloudChanges!.Clear();
    }

    internal void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        _tracking = false;
        for (var i = _cloudChanges!.Count - 1; i >= 0; i--)
        {
            var (dot, added) = _cloudChanges[i];
            if (added)
            {
                _cloud.Remove(dot);
            }
            else
            {
                _cloud.Add(dot);
            }
        }
        foreach (var (replica, prefix) in _savedPrefixes!)
        {
            if (prefix == 0)
            {
                _vector.Remove(replica);
            }
            else
            {
                _vector[replica] = prefix;
            }
        }
        _savedPrefixes.Clear();
        _cloudChanges.Clear();
    }

    /// <summary>
    /// Raises the prefix of <paramref name="replica"/> from <paramref name="old"/> to <paramref name="prefix"/>,
    /// keeping the context compact: the cloud dots it now covers go, and those that continue it join it.
    /// Only this replica's dots can be affected, so the rest of the cloud is not looked at.
    /// </summary>
    private void RaisePrefix(string replica, ulong old, ulong prefix)
    {
        if (_cloud.Count > 0)
        {
            // Look up each newly covered counter, or walk the cloud once, whichever is shorter.
            if (prefix - old <= (ulong)_cloud.Count)
            {
                for (var counter = old + 1; counter <= prefix; counter++)
                {
                    CloudRemove(new Dot(replica, counter));
                }
            }
            else
            {
                DropCovered(replica, prefix);
            }
            while (_cloud.Count > 0 && CloudRemove(new Dot(replica, prefix + 1)))
            {
                prefix++;
            }
        }
        if (_tracking)
        {
            _savedPrefixes!.TryAdd(replica, old);
        }
        _vector[replica] = prefix;
    }

    private void DropCovered(string replica, ulong prefix)
    {
        List<Dot>? drop = null;
        foreach (var dot in _cloud)
        {
            if (dot.Counter <= prefix && dot.Replica == replica)
            {
                (drop ??= []).Add(dot);
            }
        }
        if (drop is not null)
        {
            foreach (var dot in drop)
            {
                CloudRemove(dot);
            }
        }
    }

    private void CloudAdd(Dot dot)
    {
        if (_cloud.Add(dot) && _tracking)
        {
            _cloudChanges!.Add((dot, true));
        }
    }

    private bool CloudRemove(Dot dot)
    {
        if (!_cloud.Remove(dot))
        {
            return false;
        }
        if (_tracking)
        {
            _cloudChanges!.Add((dot, false));
        }
        return true;
    }

    /// <summary>Brings a context read from the wire into compact form (the cloud holds no dot its vector covers or continues).</summary>
    private void Compact()
    {
        if (_cloud.Count == 0)
        {
            return;
        }
        var changed = true;
        List<Dot>? drop = null;
        while (changed)
        {
            changed = false;
            foreach (var dot in _cloud)
            {
                _vector.TryGetValue(dot.Replica, out var prefix);
                if (dot.Counter <= prefix)
                {
                    (drop ??= []).Add(dot);
                }
                else if (dot.Counter == prefix + 1)
                {
                    _vector[dot.Replica] = dot.Counter;
                    (drop ??= []).Add(dot);
                    changed = true;
                }
            }
            if (drop is not null)
            {
                foreach (var dot in drop)
                {
                    _cloud.Remove(dot);
                }
                drop.Clear();
            }
        }
    }
}
