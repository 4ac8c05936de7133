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
    public DotKernel<T> Add(string replica, T value, Func<T, bool>? replaces)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var delta = Remove(replaces ?? (static _ => false));
        var dot = Context.NextDot(replica);
        delta.Entries[dot] = value;
        delta.Context.Add(dot);
        Merge(delta);
        return delta;
    }

    /// <summary>A delta that removes the entries <paramref name="selects"/> picks (their dots, no entries); not applied.</summary>
    public DotKernel<T> Remove(Func<T, bool> selects)
    {
        var delta = new DotKernel<T>();
        foreach (var (dot, value) in Entries)
        {
            if (selects(value))
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
    /// Fields: 1 = the context, 2 = an entry (1 = replica, 2 = counter, 3 = value), entries sorted
    /// by dot. An entry's dot is also in the context, so its replica is usually a one-byte reference.
    /// </summary>
    public void WriteBody(ref Writer w)
    {
        w.WriteStartObject(1);
        Context.WriteBody(ref w);
        w.WriteEndObject();
        var dots = new List<Dot>(Entries.Keys);
        dots.Sort();
        foreach (var dot in dots)
        {
            w.WriteStartObject(2);
            CrdtWire.WriteReplica(ref w, 1, dot.Replica);
            w.WriteFieldHeader(2, WireType.VarInt);
            w.WriteVarUInt64(dot.Counter);
            Codec<T>.Instance.Write(ref w, 3, Entries[dot]);
            w.WriteEndObject();
        }
    }

    public static DotKernel<T> ReadBody(ref Reader r)
    {
        var kernel = new DotKernel<T>();
        var sawContext = false;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    if (sawContext)
                    {
                        throw CrdtWire.Duplicate("a causal context");
                    }
                    r.EnterObject(wireType);
                    kernel.Context = CausalContext.ReadBody(ref r);
                    sawContext = true;
                    break;
                case 2:
                {
                    r.EnterObject(wireType);
                    string? replica = null;
                    ulong counter = 0;
                    var hasValue = false;
                    T value = default!;
                    while (r.TryReadFieldHeader(out var inner, out var innerType))
                    {
                        switch (inner)
                        {
                            case 1: replica = CrdtWire.ReadReplica(ref r, innerType); break;
                            case 2: counter = CrdtWire.ReadUInt64(ref r, innerType); break;
                            case 3: value = Codec<T>.Instance.Read(ref r, innerType); hasValue = true; break;
                            default: r.SkipField(innerType); break;
                        }
                    }
                    if (replica is null || counter == 0 || !hasValue)
                    {
                        throw new SerializationException("Malformed CRDT data: an entry lacks its dot (replica, counter > 0) or value.");
                    }
                    var d = new Dot(replica, counter);
                    if (!kernel.Entries.TryAdd(d, value))
                    {
                        throw CrdtWire.Duplicate($"the entry of dot {d}");
                    }
                    break;
                }
                default:
                    r.SkipField(wireType);
                    break;
            }
        }
        foreach (var dot in kernel.Entries.Keys)
        {
            if (!kernel.Context.Contains(dot))
            {
                throw new SerializationException($"Malformed CRDT data: entry dot {dot} is outside the causal context.");
            }
        }
        return kernel;
    }
}
