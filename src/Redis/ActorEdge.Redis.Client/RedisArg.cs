namespace ActorEdge.Redis;

/// <summary>
/// One argument of a command: bytes, text (sent as UTF-8) or an integer (sent in decimal).
/// A struct that refers to the caller's data: nothing is copied until the command is written.
/// </summary>
public readonly struct RedisArg
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly string? _text;
    private readonly long _integer;
    private readonly RedisArgKind _kind;

    private RedisArg(ReadOnlyMemory<byte> bytes, string? text, long integer, RedisArgKind kind)
    {
        _bytes = bytes;
        _text = text;
        _integer = integer;
        _kind = kind;
    }

    internal RedisArgKind Kind => _kind;

    internal ReadOnlySpan<byte> Bytes => _bytes.Span;

    internal string Text => _text ?? string.Empty;

    internal long Integer => _integer;

    /// <summary>An argument of bytes.</summary>
    public static RedisArg FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null, 0, RedisArgKind.Bytes);

    /// <summary>An argument of text, sent as UTF-8.</summary>
    public static RedisArg FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(default, text, 0, RedisArgKind.Text);
    }

    /// <summary>An integer argument, sent in decimal.</summary>
    public static RedisArg FromInt64(long value) => new(default, null, value, RedisArgKind.Integer);

    /// <summary>Converts text.</summary>
    public static implicit operator RedisArg(string text) => FromText(text);

    /// <summary>Converts bytes.</summary>
    public static implicit operator RedisArg(byte[] bytes) => FromBytes(bytes);

    /// <summary>Converts bytes.</summary>
    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => FromBytes(bytes);

    /// <summary>Converts an integer.</summary>
    public static implicit operator RedisArg(long value) => FromInt64(value);

    /// <summary>Converts an integer.</summary>
    public static implicit operator RedisArg(int value) => FromInt64(value);
}

internal enum RedisArgKind : byte
{
    Bytes,
    Text,
    Integer,
}
