using System.Diagnostics.CodeAnalysis;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Migration;

/// <summary>The keyed values a migrating activation hands to its successor; both sides of the hand-over use it.</summary>
internal sealed class MigrationContext : IDehydrationContext, IRehydrationContext
{
    private readonly Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public IEnumerable<string> Keys => _values.Keys;

    public int Count => _values.Count;

    public IReadOnlyDictionary<string, byte[]> Values => _values;

    public void AddBytes(string key, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _values[key] = value.ToArray();
    }

    public void AddValue<T>(string key, T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _values[key] = Serializer.SerializeToArray(value);
    }

    public bool TryGetBytes(string key, out ReadOnlyMemory<byte> value)
    {
        if (_values.TryGetValue(key, out var bytes))
        {
            value = bytes;
            return true;
        }
        value = default;
        return false;
    }

    public bool TryGetValue<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_values.TryGetValue(key, out var bytes))
        {
            value = Serializer.Deserialize<T>(bytes)!;
            return true;
        }
        value = default;
        return false;
    }

    public void Write(ref Writer w, uint field)
    {
        foreach (var (key, bytes) in _values)
        {
            w.WriteStartObject(field);
            w.WriteFieldHeader(1, WireType.LengthPrefixed);
            w.WriteUtf8(key);
            w.WriteFieldHeader(2, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(bytes);
            w.WriteEndObject();
        }
    }

    /// <summary>Reads one entry written by <see cref="Write"/>.</summary>
    public void ReadEntry(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? key = null;
        byte[]? bytes = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: key = r.ReadUtf8(); break;
                case 2: bytes = r.ReadLengthPrefixed().ToArray(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (key is null || bytes is null)
        {
            throw new SerializationException("A migration context entry lacks its key or value.");
        }
        _values[key] = bytes;
    }
}
