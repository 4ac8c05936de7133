using System.Globalization;

namespace ActorEdge;

/// <summary>
/// The identity of a grain: its grain type (the implementation's type name, for example
/// <c>counter</c>) and its key. Two references with equal ids address the same activation.
/// </summary>
public readonly struct GrainId : IEquatable<GrainId>
{
    private readonly int _hash;

    /// <summary>Creates an id from a grain type and a key.</summary>
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
        _hash = StableHash(type, key);
    }

    /// <summary>The grain type, as named by <see cref="GrainTypeAttribute"/> or derived from the class name.</summary>
    public string Type { get; }

    /// <summary>The key, in its string form (a <see cref="Guid"/> key in "N" format, an integer key in decimal).</summary>
    public string Key { get; }

    /// <summary>Whether this is the default (empty) id.</summary>
    public bool IsDefault => Type is null;

    /// <summary>
    /// A hash that is the same in every process, so that hash-based placement and directory
    /// partitioning agree across silos (string.GetHashCode is randomized per process).
    /// </summary>
    public uint StableHashCode => (uint)_hash;

    /// <summary>Creates the id of a grain with a <see cref="Guid"/> key.</summary>
    public static GrainId Create(string type, Guid key) => new(type, key.ToString("N"));

    /// <summary>Creates the id of a grain with an integer key.</summary>
    public static GrainId Create(string type, long key) => new(type, key.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses the form produced by <see cref="ToString"/> (<c>type/key</c>).</summary>
    public static GrainId Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new FormatException($"'{value}' is not a grain id: expected 'type/key'.");
        }
        return new GrainId(value[..slash], value[(slash + 1)..]);
    }

    /// <inheritdoc />
    public bool Equals(GrainId other) => _hash == other._hash && string.Equals(Type, other.Type, StringComparison.Ordinal) && string.Equals(Key, other.Key, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GrainId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";

    /// <summary>Equality.</summary>
    public static bool operator ==(GrainId left, GrainId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(GrainId left, GrainId right) => !left.Equals(right);

    private static int StableHash(string type, string key)
    {
        // FNV-1a over the UTF-16 code units of "type/key".
        uint hash = 2166136261;
        foreach (var c in type)
        {
            hash = (hash ^ c) * 16777619;
        }
        hash = (hash ^ '/') * 16777619;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)hash;
    }
}
