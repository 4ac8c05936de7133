using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The dot store shared by the causal CRDTs: values tagged with the dot of the update that
/// wrote them, and the causal context of everything seen. A value survives a join unless the
/// other side has seen its dot and no longer holds it (it was removed or overwritten there).
/// </summary>
internal sealed class DotKernel<T>
{
    public Dictionary<Dot, T> Entries { get; } = [];

    public CausalContext Context { get; private set; } = new();

    /// <summary>Adds <paramref name="value"/> with a new dot of <paramref name="replica"/>, first removing the entries <paramref name="replaces"/> selects; returns the delta.</summary>
    public DotKernel<T> Add(string replica, T value, Func<Dot, T, bool> replaces)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var delta = Remove(replaces);
        var dot = Context.NextDot(replica);
        delta.Entries[dot] = value;
        delta.Context.Add(dot);
        Merge(delta);
        return delta;
    }

    /// <summary>A delta that removes the entries <paramref name="selects"/> picks (their dots, no entries); not applied.</summary>
    public DotKernel<T> Remove(Func<Dot, T, bool> selects)
    {
        var delta = new DotKernel<T>();
        foreach (var (dot, value) in Entries)
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
        foreach (var (dot, value) in other.Entries)
        {
            if (!Entries.ContainsKey(dot) && !Context.Contains(dot))
            {
                Entries[dot] = value;
            }
        }
        List<Dot>? removed = null;
        foreach (var dot in Entries.Keys)
        {
            if (!other.Entries.ContainsKey(dot) && other.Context.Contains(dot))
            {
                (removed ??= []).Add(dot);
            }
        }
        if (removed is not null)
        {
            foreach (var dot in removed)
            {
                Entries.Remove(dot);
            }
        }
        Context.Merge(other.Context);
    }

    public DotKernel<T> Clone()
    {
        var copy = new DotKernel<T> { Context = Context.Clone() };
        foreach (var (dot, value) in Entries)
        {
            copy.Entries[dot] = value;
        }
        return copy;
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
        var implied = new HashSet<Dot>(Entries.Keys);
        if (Context.DotCloud.Count == 0)
        {
            return (replaced, implied);
        }
        var cloud = new List<Dot>();
        foreach (var dot in Context.DotCloud)
        {
            if (!Entries.ContainsKey(dot))
            {
                cloud.Add(dot);
            }
        }
        var entries = new List<Dot>(Entries.Keys);
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
        var dots = new List<Dot>(Entries.Keys);
        dots.Sort();
        foreach (var dot in dots)
        {
            w.WriteStartObject(2);
            DotKernel.WriteDot(ref w, 1, dot, replaced.GetValueOrDefault(dot));
            Codec<T>.Instance.Write(ref w, 4, Entries[dot]);
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
                    if (!kernel.Entries.TryAdd(dot, value))
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
