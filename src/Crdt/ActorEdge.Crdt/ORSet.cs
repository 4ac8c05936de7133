using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// An add-wins observed-remove set: a remove deletes only the additions it has seen, so an add
/// concurrent with a remove of the same element wins.
/// </summary>
/// <typeparam name="T">The element type: it needs a codec and value equality.</typeparam>
public sealed class ORSet<T> : ICrdt<ORSet<T>>, IRevertibleCrdt
{
    private DotKernel<T> _kernel = new();

    /// <inheritdoc />
    public static byte TypeTag => 5;

    /// <inheritdoc />
    public static ORSet<T> CreateEmpty() => new();

    /// <summary>The elements, ordered by their encoding.</summary>
    public IReadOnlyList<T> Elements
    {
        get
        {
            return ElementBytes<T>.SortBy(_kernel.DistinctValues, static v => v);
        }
    }

    /// <summary>The causal context of the set.</summary>
    public CausalContext Context => _kernel.Context;

    /// <summary>Whether <paramref name="element"/> is in the set.</summary>
    public bool Contains(T element) => _kernel.Contains(element);

    /// <summary>Adds <paramref name="element"/> on behalf of <paramref name="replica"/>; returns the delta.</summary>
    public ORSet<T> Add(string replica, T element)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        return new ORSet<T> { _kernel = _kernel.Add(replica, element, _kernel.Remove(element, null)) };
    }

    /// <summary>Removes <paramref name="element"/> as far as this replica has seen it added; returns the delta.</summary>
    public ORSet<T> Remove(T element)
    {
        var delta = _kernel.Remove(element, null);
        _kernel.Merge(delta);
        return new ORSet<T> { _kernel = delta };
    }

    /// <summary>Removes every element seen; returns the delta.</summary>
    public ORSet<T> Clear()
    {
        var delta = _kernel.Remove(static (_, _) => true);
        _kernel.Merge(delta);
        return new ORSet<T> { _kernel = delta };
    }

    /// <inheritdoc />
    public void Merge(ORSet<T> other) => _kernel.Merge(other._kernel);

    /// <inheritdoc />
    public ORSet<T> Clone() => new() { _kernel = _kernel.Clone() };

    /// <inheritdoc />
    public void TrackChanges() => _kernel.TrackChanges();

    /// <inheritdoc />
    public void AcceptChanges() => _kernel.AcceptChanges();

    /// <inheritdoc />
    public void RejectChanges() => _kernel.RejectChanges();

    /// <inheritdoc />
    public void WriteBody(ref Writer writer) => _kernel.WriteBody(ref writer);

    /// <inheritdoc />
    public static ORSet<T> ReadBody(ref Reader reader) => new() { _kernel = DotKernel<T>.ReadBody(ref reader) };

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", Elements) + "}";
}
