using System.Runtime.InteropServices;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The dot store shared by the causal CRDTs: values tagged with the dot of the update that
/// wrote them, and the causal context of everything seen. A value survives a join unless the
/// other side has seen its dot and no longer holds it (it was removed or overwritten there).
/// </summary>
/// <remarks>
/// An index from each value to its dots lets an update find the dots it replaces, and a lookup
/// find a value, without scanning the entries; a join walks the smaller of the other side's
/// context and this side's entries. So an update, and the join of its delta, cost the size of the
/// delta, not of the state.
/// </remarks>
internal sealed class DotKernel<T>
{
    private readonly Dictionary<Dot, T> _entries;
    private readonly Dictionary<Element, Dots> _index;

    // While changes are tracked: the entries added (true) and removed (false), in order.
    private bool _tracking;
    private List<(Dot Dot, T Value, bool Added)>? _entryChanges;

    public DotKernel()
    {
        _entries = [];
        _index = [];
        Context = new CausalContext();
    }

    private DotKernel(DotKernel<T> source)
    {
        // Bulk copies: a copy costs one pass, with a list copied only for a value of several dots.
        _entries = new Dictionary<Dot, T>(source._entries);
        _index = new Dictionary<Element, Dots>(source._index);
        foreach (var (element, dots) in source._index)
        {
            if (dots.More is { Count: > 0 })
            {
                _index[element] = dots with { More = [.. dots.More] };
            }
        }
        Context = source.Context.Clone();
    }

    public IReadOnlyDictionary<Dot, T> Entries => _entries;

    public CausalContext Context { get; private set; }

    /// <summary>The distinct values held (unordered).</summary>
    public IEnumerable<T> DistinctValues
    {
        get
        {
            foreach (var element in _index.Keys)
            {
                yield return element.Value;
            }
        }
    }

    /// <summary>Whether an entry holds <paramref name="value"/>.</summary>
    public bool Contains(T value) => _index.ContainsKey(new Element(value));

    /// <summary>Adds <paramref name="value"/> with a new dot of <paramref name="replica"/>, applying <paramref name="removal"/> (a delta of <see cref="Remove(T, string?)"/> or <see cref="Remove(Func{Dot, T, bool})"/>) with it; returns the delta.</summary>
    public DotKernel<T> Add(string replica, T value, DotKernel<T> removal)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var dot = Context.NextDot(replica);
        removal.AddEntry(dot, value);
        removal.Context.Add(dot);
        Merge(removal);
        return removal;
    }

    /// <summary>A delta that removes the entries holding <paramref name="value"/> (only those of <paramref name="ofReplica"/> when given): their dots, no entries; not applied.</summary>
    public DotKernel<T> Remove(T value, string? ofReplica)
    {
        var delta = new DotKernel<T>();
        if (_index.TryGetValue(new Element(value), out var dots))
        {
            Select(delta, dots.First, ofReplica);
            if (dots.More is not null)
            {
                foreach (var dot in dots.More)
                {
                    Select(delta, dot, ofReplica);
                }
            }
        }
        return delta;

        static void Select(DotKernel<T> delta, Dot dot, string? ofReplica)
        {
            if (ofReplica is null || dot.Replica == ofReplica)
            {
                delta.Context.Add(dot);
            }
        }
    }

    /// <summary>A delta that removes the entries <paramref name="selects"/> picks (their dots, no entries); not applied. Walks every entry.</summary>
    public DotKernel<T> Remove(Func<Dot, T, bool> selects)
    {
        var delta = new DotKernel<T>();
        foreach (var (dot, value) in _entries)
        {
            if (selects(dot, value))
            {
                delta.Context.Add(dot);
            }
        }
        return delta;
    }

    public void Merge(DotKernel<T> other)
    {
        foreach (var (dot, value) in other._entries)
        {
            if (!_entries.ContainsKey(dot) && !Context.Contains(dot))
            {
                AddEntry(dot, value);
            }
        }
        if (_entries.Count > 0)
        {
            RemoveSeen(other);
        }
        Context.Merge(other.Context);
    }

    /// <summary>Adds an entry read from the wire; false when its dot is taken.</summary>
    public bool TryAddEntry(Dot dot, T value)
    {
        if (_entries.ContainsKey(dot))
        {
            return false;
        }
        AddEntry(dot, value);
        return true;
    }

    public DotKernel<T> Clone() => new(this);

    public void TrackChanges()
    {
        ChangeTracking.ThrowIfTracking(_tracking);
        Context.TrackChanges();
        _tracking = true;
        _entryChanges ??= [];
    }

    public void AcceptChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        Context.AcceptChanges();
        _tracking = false;
        _entryChanges!.Clear();
    }

    public void RejectChanges()
    {
        ChangeTracking.ThrowIfNotTracking(_tracking);
        Context.RejectChanges();
        _tracking = false;
        for (var i = _entryChanges!.Count - 1; i >= 0; i--)
        {
            var (dot, value, added) = _entryChanges[i];
            if (added)
            {
                RemoveEntry(dot);
            }
            else
            {
                AddEntry(dot, value);
            }
        }
        _entryChanges.Clear();
    }

    /// <summary>
    /// Removes the entries whose dots <paramref name="other"/> has seen but does not hold. The dots of
    /// its context are walked when they are fewer than the entries here (the delta of an update names
    /// one or two), else the entries are (a full state, or a context covering long ranges).
    /// </summary>
    private void RemoveSeen(DotKernel<T> other)
    {
        var context = other.Context;
        var budget = (ulong)_entries.Count;
        var span = (ulong)context.Cloud.Count;
        foreach (var prefix in context.Vector.Values)
        {
            span += prefix;
            if (span > budget || span < prefix)
            {
                RemoveSeenByEntries(other);
                return;
            }
        }
        if (span > budget)
        {
            RemoveSeenByEntries(other);
            return;
        }
        foreach (var (replica, prefix) in context.Vector)
        {
            for (var counter = 1ul; counter <= prefix; counter++)
            {
                RemoveIfDropped(new Dot(replica, counter), other);
            }
        }
        foreach (var dot in context.Cloud)
        {
            RemoveIfDropped(dot, other);
        }
    }

    private void RemoveIfDropped(Dot dot, DotKernel<T> other)
    {
        if (_entries.ContainsKey(dot) && !other._entries.ContainsKey(dot))
        {
            RemoveEntry(dot);
        }
    }

    private void RemoveSeenByEntries(DotKernel<T> other)
    {
        List<Dot>? removed = null;
        foreach (var dot in _entries.Keys)
        {
            if (!other._entries.ContainsKey(dot) && other.Context.Contains(dot))
            {
                (removed ??= []).Add(dot);
            }
        }
        if (removed is not null)
        {
            foreach (var dot in removed)
            {
                RemoveEntry(dot);
            }
        }
    }

    private void AddEntry(Dot dot, T value)
    {
        _entries.Add(dot, value);
        ref var dots = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, new Element(value), out var exists);
        if (!exists)
        {
            dots = new Dots(dot, null);
        }
        else
        {
            (dots.More ??= []).Add(dot);
        }
        if (_tracking)
        {
            _entryChanges!.Add((dot, value, true));
        }
    }

    private void RemoveEntry(Dot dot)
    {
        if (!_entries.Remove(dot, out var value))
        {
            return;
        }
        var element = new Element(value);
        ref var dots = ref CollectionsMarshal.GetValueRefOrNullRef(_index, element);
        if (dots.First != dot)
        {
            dots.More!.Remove(dot);
        }
        else if (dots.More is { Count: > 0 } more)
        {
            dots.First = more[^1];
            more.RemoveAt(more.Count - 1);
        }
        else
        {
            _index.Remove(element);
        }
        if (_tracking)
        {
            _entryChanges!.Add((dot, value, false));
        }
    }

    /// <summary>
    /// What the encoding leaves out of the context: every entry's dot (written with the entry), and
    /// for each entry the cloud dot of its replica that it is taken to replace (the greatest below it
    /// and above the replica's previous entry), written in the entry as a difference. In the delta of
    /// an update that is exactly the dot the update replaced, so the delta has no context of its own.
    /// Both are functions of the state, so the encoding stays canonical.
    /// </summary>
    public (Dictionary<Dot, ulong> Replaced, HashSet<Dot> Implied) ImpliedDots()
    {
        var replaced = new Dictionary<Dot, ulong>();
        var implied = new HashSet<Dot>(_entries.Keys);
        if (Context.DotCloud.Count == 0)
        {
            return (replaced, implied);
        }
        var cloud = new List<Dot>();
        foreach (var dot in Context.DotCloud)
        {
            if (!_entries.ContainsKey(dot))
            {
                cloud.Add(dot);
            }
        }
        var entries = new List<Dot>(_entries.Keys);
        entries.Sort();
        cloud.Sort();
        var next = 0;
        foreach (var entry in entries)
        {
            // Cloud dots of earlier replicas, or below the replica's previous entry, are passed over.
            var candidate = 0ul;
            while (next < cloud.Count && cloud[next].CompareTo(entry) < 0)
            {
                candidate = cloud[next].Replica == entry.Replica ? cloud[next].Counter : 0;
                next++;
            }
            if (candidate != 0)
            {
                replaced[entry] = candidate;
                implied.Add(new Dot(entry.Replica, candidate));
            }
        }
        return (replaced, implied);
    }

    /// <summary>Sets the context read, adding back the dots its encoding left out (see <see cref="ImpliedDots"/>).</summary>
    public void RestoreContext(CausalContext? context, List<(Dot Dot, ulong Replaced)> written)
    {
        Context = context ?? new CausalContext();
        foreach (var (dot, replaced) in written)
        {
            Context.Add(dot);
            if (replaced != 0)
            {
                Context.Add(new Dot(dot.Replica, replaced));
            }
        }
    }

    /// <summary>
    /// Fields: 1 = the context without the dots the entries imply (left out when nothing remains),
    /// 2 = an entry (the dot fields of <see cref="DotKernel.WriteDot"/> from 1, 4 = value), entries
    /// sorted by dot.
    /// </summary>
    public void WriteBody(ref Writer w)
    {
        var (replaced, implied) = ImpliedDots();
        Context.WriteBodyBeyond(ref w, 1, implied);
        var dots = new List<Dot>(_entries.Keys);
        dots.Sort();
        foreach (var dot in dots)
        {
            w.WriteStartObject(2);
            DotKernel.WriteDot(ref w, 1, dot, replaced.GetValueOrDefault(dot));
            Codec<T>.Instance.Write(ref w, 4, _entries[dot]);
            w.WriteEndObject();
        }
    }

    public static DotKernel<T> ReadBody(ref Reader r)
    {
        var kernel = new DotKernel<T>();
        CausalContext? context = null;
        var written = new List<(Dot Dot, ulong Replaced)>();
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    context = DotKernel.ReadContext(ref r, wireType, context);
                    break;
                case 2:
                {
                    r.EnterObject(wireType);
                    var before = written.Count;
                    string? replica = null;
                    var hasValue = false;
                    T value = default!;
                    while (r.TryReadFieldHeader(out var inner, out var innerType))
                    {
                        if (DotKernel.TryReadDotField(ref r, inner, innerType, 1, ref replica, written))
                        {
                            continue;
                        }
                        if (inner == 4)
                        {
                            value = Codec<T>.Instance.Read(ref r, innerType);
                            hasValue = true;
                        }
                        else
                        {
                            r.SkipField(innerType);
                        }
                    }
                    DotKernel.EndDotFields(replica);
                    if (written.Count != before + 1 || !hasValue)
                    {
                        throw new SerializationException("Malformed CRDT data: an entry lacks its value or has other than one dot (replica, counter > 0).");
                    }
                    var dot = written[^1].Dot;
                    if (!kernel.TryAddEntry(dot, value))
                    {
                        throw CrdtWire.Duplicate($"the entry of dot {dot}");
                    }
                    break;
                }
                default:
                    r.SkipField(wireType);
                    break;
            }
        }
        kernel.RestoreContext(context, written);
        return kernel;
    }

    /// <summary>A value as an index key: values may be null, which a dictionary key may not.</summary>
    private readonly record struct Element(T Value);

    /// <summary>The dots of one value: nearly always one (a value written once, or by one replica), so only more take a list.</summary>
    private record struct Dots(Dot First, List<Dot>? More);
}

/// <summary>The encoding of the dots that tag entries, shared by the kernel's entries and the map's keys.</summary>
internal static class DotKernel
{
    /// <summary>
    /// Writes a dot as fields: <paramref name="baseField"/> = replica, + 1 = counter, + 2 = the
    /// counter of the dot it replaced as a difference below its own (only when
    /// <paramref name="replaced"/> is not 0). A counter belongs to the replica before it.
    /// </summary>
    public static void WriteDot(ref Writer w, uint baseField, Dot dot, ulong replaced)
    {
        CrdtWire.WriteReplica(ref w, baseField, dot.Replica);
        w.WriteFieldHeader(baseField + 1, WireType.VarInt);
        w.WriteVarUInt64(dot.Counter);
        if (replaced != 0)
        {
            w.WriteFieldHeader(baseField + 2, WireType.VarInt);
            w.WriteVarUInt64(dot.Counter - replaced);
        }
    }

    /// <summary>
    /// Reads <paramref name="field"/> when it is a dot field of <see cref="WriteDot"/> (returns false
    /// otherwise): a replica is held in <paramref name="replica"/> until its counter completes the dot,
    /// which is added to <paramref name="dots"/>; a difference applies to the dot just added.
    /// </summary>
    public static bool TryReadDotField(ref Reader r, uint field, WireType wireType, uint baseField, ref string? replica, List<(Dot Dot, ulong Replaced)> dots)
    {
        if (field < baseField || field > baseField + 2)
        {
            return false;
        }
        if (field == baseField)
        {
            EndDotFields(replica);
            replica = CrdtWire.ReadReplica(ref r, wireType);
            return true;
        }
        var number = CrdtWire.ReadUInt64(ref r, wireType);
        if (field == baseField + 1)
        {
            if (replica is null || number == 0)
            {
                throw new SerializationException("Malformed CRDT data: a dot lacks its replica or has counter 0.");
            }
            dots.Add((new Dot(replica, number), 0));
            replica = null;
            return true;
        }
        if (replica is not null || dots.Count == 0 || dots[^1].Replaced != 0)
        {
            throw new SerializationException("Malformed CRDT data: a replaced dot that does not follow the counter of its dot.");
        }
        var dot = dots[^1].Dot;
        if (number == 0 || number >= dot.Counter)
        {
            throw new SerializationException($"Malformed CRDT data: dot {dot} replaces the dot {number} below it, which is not a counter above 0.");
        }
        dots[^1] = (dot, dot.Counter - number);
        return true;
    }

    /// <summary>Reads the context field of a kernel or map (the object of <see cref="CausalContext.ReadBody"/>); a second one is malformed.</summary>
    public static CausalContext ReadContext(ref Reader r, WireType wireType, CausalContext? before)
    {
        if (before is not null)
        {
            throw CrdtWire.Duplicate("a causal context");
        }
        r.EnterObject(wireType);
        return CausalContext.ReadBody(ref r);
    }

    /// <summary>Throws when a replica read by <see cref="TryReadDotField"/> still waits for its counter.</summary>
    public static void EndDotFields(string? replica)
    {
        if (replica is not null)
        {
            throw new SerializationException($"Malformed CRDT data: a dot of {replica} lacks its counter.");
        }
    }
}
