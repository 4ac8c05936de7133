using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// A multi-value register: a write replaces every value it has seen, concurrent writes are all
/// kept (the reader resolves them, typically by writing the resolution back).
/// </summary>
/// <typeparam name="T">The value type; it needs a codec.</typeparam>
public sealed class MVRegister<T> : ICrdt<MVRegister<T>>, IRevertibleCrdt
{
    private DotKernel<T> _kernel = new();

    /// <inheritdoc />
    public static byte TypeTag => 4;

    /// <inheritdoc />
    public static MVRegister<T> CreateEmpty() => new();

    /// <summary>The concurrent values, ordered by their encoding (empty when never written or cleared).</summary>
    public IReadOnlyList<T> Values => ElementBytes<T>.SortBy(_kernel.Entries.Values, static v => v);

    /// <summary>The causal context of the register.</summary>
    public CausalContext Context => _kernel.Context;

    /// <summary>Writes <paramref name="value"/> on behalf of <paramref name="replica"/>, replacing the values seen; returns the delta.</summary>
    public MVRegister<T> Write(string replica, T value) => new() { _kernel = _kernel.Add(replica, value, _kernel.Remove(static (_, _) => true)) };

    /// <summary>Removes the values seen; returns the delta.</summary>
    public MVRegister<T> Clear()
    {
        var delta = _kernel.Remove(static (_, _) => true);
        _kernel.Merge(delta);
        return new MVRegister<T> { _kernel = delta };
    }

    /// <inheritdoc />
    public void Merge(MVRegister<T> other) => _kernel.Merge(other._kernel);

    /// <inheritdoc />
    public MVRegister<T> Clone() => new() { _kernel = _kernel.Clone() };

    /// <inheritdoc />
    public void TrackChanges() => _kernel.TrackChanges();

    /// <inheritdoc />
    public void AcceptChanges() => _kernel.AcceptChanges();

    /// <inheritdoc />
    public void RejectChanges() => _kernel.RejectChanges();

    /// <inheritdoc />
    public void WriteBody(ref Writer writer) => _kernel.WriteBody(ref writer);

    /// <inheritdoc />
    public static MVRegister<T> ReadBody(ref Reader reader) => new() { _kernel = DotKernel<T>.ReadBody(ref reader) };

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Values) + "]";
}
