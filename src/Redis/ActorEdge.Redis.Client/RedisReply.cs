using System.Text;

namespace ActorEdge.Redis;

/// <summary>The kind of a reply.</summary>
public enum RedisReplyType : byte
{
    /// <summary>A nil reply (RESP2 null bulk string or array, RESP3 null).</summary>
    Null,

    /// <summary>A status line such as OK (<c>+</c>).</summary>
    SimpleString,

    /// <summary>An error (<c>-</c> or RESP3 <c>!</c>); only seen inside aggregates, since a top-level error throws.</summary>
    Error,

    /// <summary>A 64-bit integer (<c>:</c>).</summary>
    Integer,

    /// <summary>A binary-safe string (<c>$</c>, or RESP3 verbatim <c>=</c> without its format prefix).</summary>
    BulkString,

    /// <summary>An array (<c>*</c>).</summary>
    Array,

    /// <summary>A RESP3 double (<c>,</c>).</summary>
    Double,

    /// <summary>A RESP3 boolean (<c>#</c>).</summary>
    Boolean,

    /// <summary>A RESP3 big number (<c>(</c>), kept as its decimal text.</summary>
    BigNumber,

    /// <summary>A RESP3 map (<c>%</c>): elements alternate key, value.</summary>
    Map,

    /// <summary>A RESP3 set (<c>~</c>).</summary>
    Set,

    /// <summary>A RESP3 out-of-band push (<c>&gt;</c>).</summary>
    Push,
}

/// <summary>
/// A reply from the server. Strings are byte arrays owned by the reply; aggregates hold their
/// elements. A struct, so a reply costs no allocation beyond its payload.
/// </summary>
public readonly struct RedisReply
{
    private static readonly byte[] Ok = "OK"u8.ToArray();

    private readonly object? _value;
    private readonly long _integer;

    private RedisReply(RedisReplyType type, object? value, long integer)
    {
        Type = type;
        _value = value;
        _integer = integer;
    }

    /// <summary>The kind of reply.</summary>
    public RedisReplyType Type { get; }

    /// <summary>Whether the reply is nil.</summary>
    public bool IsNull => Type == RedisReplyType.Null;

    /// <summary>Whether the reply is the status <c>OK</c>.</summary>
    public bool IsOk => Type == RedisReplyType.SimpleString && ((byte[])_value!).AsSpan().SequenceEqual(Ok);

    /// <summary>The bytes of a string, error or big-number reply; empty for other kinds.</summary>
    public ReadOnlyMemory<byte> Bytes => _value as byte[] ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>The elements of an aggregate reply (array, map, set, push); empty for other kinds.</summary>
    public ReadOnlySpan<RedisReply> Elements => _value as RedisReply[] ?? ReadOnlySpan<RedisReply>.Empty;

    /// <summary>The number of elements of an aggregate reply (a map counts keys and values).</summary>
    public int Length => _value is RedisReply[] elements ? elements.Length : 0;

    /// <summary>The element at <paramref name="index"/> of an aggregate reply.</summary>
    public RedisReply this[int index] => ((RedisReply[]?)_value ?? throw new InvalidOperationException($"A {Type} reply has no elements."))[index];

    internal static RedisReply Null { get; } = new(RedisReplyType.Null, null, 0);

    internal static RedisReply Simple(byte[] text) => new(RedisReplyType.SimpleString, text, 0);

    internal static RedisReply Error(byte[] message) => new(RedisReplyType.Error, message, 0);

    internal static RedisReply Bulk(byte[] data) => new(RedisReplyType.BulkString, data, 0);

    internal static RedisReply Int(long value) => new(RedisReplyType.Integer, null, value);

    internal static RedisReply Dbl(double value) => new(RedisReplyType.Double, null, BitConverter.DoubleToInt64Bits(value));

    internal static RedisReply Bool(bool value) => new(RedisReplyType.Boolean, null, value ? 1 : 0);

    internal static RedisReply Big(byte[] digits) => new(RedisReplyType.BigNumber, digits, 0);

    internal static RedisReply Aggregate(RedisReplyType type, RedisReply[] elements) => new(type, elements, 0);

    /// <summary>The value of an integer reply, or of a bulk/simple string holding a decimal integer.</summary>
    public long AsInt64() => Type switch
    {
        RedisReplyType.Integer or RedisReplyType.Boolean => _integer,
        RedisReplyType.BulkString or RedisReplyType.SimpleString or RedisReplyType.BigNumber
            when System.Buffers.Text.Utf8Parser.TryParse((byte[])_value!, out long value, out var consumed) && consumed == ((byte[])_value!).Length => value,
        _ => throw new InvalidOperationException($"A {Type} reply is not an integer."),
    };

    /// <summary>The value of a RESP3 double reply (or a string holding one).</summary>
    public double AsDouble() => Type switch
    {
        RedisReplyType.Double => BitConverter.Int64BitsToDouble(_integer),
        RedisReplyType.Integer => _integer,
        RedisReplyType.BulkString or RedisReplyType.SimpleString
            when double.TryParse(Encoding.UTF8.GetString((byte[])_value!), System.Globalization.CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new InvalidOperationException($"A {Type} reply is not a number."),
    };

    /// <summary>The value of a RESP3 boolean reply, or of an integer reply (non-zero is true).</summary>
    public bool AsBoolean() => Type switch
    {
        RedisReplyType.Boolean or RedisReplyType.Integer => _integer != 0,
        _ => throw new InvalidOperationException($"A {Type} reply is not a boolean."),
    };

    /// <summary>A string, error or big-number reply as UTF-8 text; null for nil.</summary>
    public string? AsString() => Type switch
    {
        RedisReplyType.Null => null,
        RedisReplyType.Integer => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RedisReplyType.Boolean => _integer != 0 ? "true" : "false",
        RedisReplyType.Double => AsDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ when _value is byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => throw new InvalidOperationException($"A {Type} reply is not a string."),
    };

    /// <summary>A string reply's bytes as an array (the reply's own array: do not modify it); null for nil.</summary>
    public byte[]? AsByteArray() => Type == RedisReplyType.Null ? null : _value as byte[] ?? throw new InvalidOperationException($"A {Type} reply is not a string.");

    /// <summary>Throws the <see cref="RedisServerException"/> of an error reply (for elements of aggregates).</summary>
    public void ThrowIfError()
    {
        if (Type == RedisReplyType.Error)
        {
            throw RedisServerException.FromReply((byte[])_value!);
        }
    }

    /// <summary>A readable form, for diagnostics.</summary>
    public override string ToString() => Type switch
    {
        RedisReplyType.Null => "(nil)",
        RedisReplyType.Array or RedisReplyType.Map or RedisReplyType.Set or RedisReplyType.Push => $"{Type}[{Length}]",
        RedisReplyType.Error => $"(error) {AsString()}",
        _ => AsString() ?? string.Empty,
    };
}
