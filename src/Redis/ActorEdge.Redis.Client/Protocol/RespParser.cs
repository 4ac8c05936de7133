using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ActorEdge.Redis.Protocol;

/// <summary>
/// Reads RESP2 and RESP3 replies. Each reply is read twice: a first pass checks that it is
/// complete and well formed without allocating, a second builds it, so a partial frame costs no
/// garbage however often it is retried.
/// </summary>
internal static class RespParser
{
    /// <summary>Deeper nesting than this is treated as malformed (protects the stack).</summary>
    public const int MaxDepth = 64;

    // A length or integer line is at most 20 digits and a sign; anything longer is malformed.
    private const int MaxNumberLine = 32;

    private static readonly byte[] Ok = "OK"u8.ToArray();
    private static readonly byte[] Pong = "PONG"u8.ToArray();
    private static readonly byte[] Queued = "QUEUED"u8.ToArray();

    /// <summary>
    /// Reads one reply from the start of <paramref name="buffer"/>. Returns false when the reply is
    /// not complete yet; throws <see cref="RedisProtocolException"/> when the bytes are not RESP or
    /// the reply is larger than <paramref name="maxReplyBytes"/>.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, int maxReplyBytes, out RedisReply reply, out SequencePosition consumed)
    {
        var probe = new SequenceReader<byte>(buffer);
        if (!TryReadValue(ref probe, materialize: false, maxReplyBytes, 0, out _))
        {
            if (buffer.Length > maxReplyBytes)
            {
                ThrowTooLarge(buffer.Length, maxReplyBytes);
            }
            reply = default;
            consumed = buffer.Start;
            return false;
        }
        if (probe.Consumed > maxReplyBytes)
        {
            ThrowTooLarge(probe.Consumed, maxReplyBytes);
        }
        var reader = new SequenceReader<byte>(buffer);
        TryReadValue(ref reader, materialize: true, maxReplyBytes, 0, out reply);
        consumed = reader.Position;
        return true;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, bool materialize, int maxReplyBytes, int depth, out RedisReply reply)
    {
        reply = default;
        if (!reader.TryRead(out var type))
        {
            return false;
        }
        switch (type)
        {
            case (byte)'+':
                if (!TryReadLine(ref reader, maxReplyBytes, out var simple))
                {
                    return false;
                }
                if (materialize)
                {
                    reply = RedisReply.Simple(KnownOrCopy(simple));
                }
                return true;
            case (byte)'-':
                if (!TryReadLine(ref reader, maxReplyBytes, out var error))
                {
                    return false;
                }
                if (materialize)
                {
                    reply = RedisReply.Error(error.ToArray());
                }
                return true;
            case (byte)':':
                if (!TryReadNumberLine(ref reader, out var integer))
                {
                    return false;
                }
                reply = RedisReply.Int(integer);
                return true;
            case (byte)'$':
                return TryReadBlob(ref reader, materialize, maxReplyBytes, RedisReplyType.BulkString, out reply);
            case (byte)'!':
                return TryReadBlob(ref reader, materialize, maxReplyBytes, RedisReplyType.Error, out reply);
            case (byte)'=':
                return TryReadBlob(ref reader, materialize, maxReplyBytes, RedisReplyType.SimpleString, out reply);
            case (byte)'*':
                return TryReadAggregate(ref reader, materialize, maxReplyBytes, depth, RedisReplyType.Array, out reply);
            case (byte)'~':
                return TryReadAggregate(ref reader, materialize, maxReplyBytes, depth, RedisReplyType.Set, out reply);
            case (byte)'>':
                return TryReadAggregate(ref reader, materialize, maxReplyBytes, depth, RedisReplyType.Push, out reply);
            case (byte)'%':
                return TryReadAggregate(ref reader, materialize, maxReplyBytes, depth, RedisReplyType.Map, out reply);
            case (byte)'|':
                // An attribute (metadata) precedes the reply it describes: read and drop it.
                return TryReadAggregate(ref reader, materialize: false, maxReplyBytes, depth, RedisReplyType.Map, out _)
                    && TryReadValue(ref reader, materialize, maxReplyBytes, depth, out reply);
            case (byte)'_':
                if (!TryReadLine(ref reader, MaxNumberLine, out var nul))
                {
                    return false;
                }
                if (!nul.IsEmpty)
                {
                    ThrowMalformed("a RESP3 null has content");
                }
                reply = RedisReply.Null;
                return true;
            case (byte)'#':
                if (!TryReadLine(ref reader, MaxNumberLine, out var boolean))
                {
                    return false;
                }
                if (boolean.Length != 1 || (boolean.FirstSpan[0] != (byte)'t' && boolean.FirstSpan[0] != (byte)'f'))
                {
                    ThrowMalformed("a RESP3 boolean is neither t nor f");
                }
                reply = RedisReply.Bool(boolean.FirstSpan[0] == (byte)'t');
                return true;
            case (byte)',':
                if (!TryReadLine(ref reader, 512, out var dbl))
                {
                    return false;
                }
                reply = RedisReply.Dbl(ParseDouble(dbl));
                return true;
            case (byte)'(':
                if (!TryReadLine(ref reader, maxReplyBytes, out var big))
                {
                    return false;
                }
                ValidateBigNumber(big);
                if (materialize)
                {
                    reply = RedisReply.Big(big.ToArray());
                }
                return true;
            default:
                ThrowUnknownType(type, reader.Consumed - 1);
                return false;
        }
    }

    private static byte[] KnownOrCopy(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            var span = line.FirstSpan;
            if (span.SequenceEqual(Ok))
            {
                return Ok;
            }
            if (span.SequenceEqual(Pong))
            {
                return Pong;
            }
            if (span.SequenceEqual(Queued))
            {
                return Queued;
            }
        }
        return line.ToArray();
    }

    private static bool TryReadBlob(ref SequenceReader<byte> reader, bool materialize, int maxReplyBytes, RedisReplyType type, out RedisReply reply)
    {
        reply = default;
        if (!TryReadNumberLine(ref reader, out var length))
        {
            return false;
        }
        if (length == -1 && type == RedisReplyType.BulkString)
        {
            reply = RedisReply.Null;
            return true;
        }
        if (length < 0)
        {
            ThrowMalformed($"negative length {length}");
        }
        if (length > maxReplyBytes)
        {
            ThrowTooLarge(length, maxReplyBytes);
        }
        if (reader.Remaining < length + 2)
        {
            return false;
        }
        var payload = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            ThrowMalformed($"a string of {length} bytes is not followed by CRLF");
        }
        if (!materialize)
        {
            return true;
        }
        if (type == RedisReplyType.SimpleString)
        {
            // Verbatim string: "txt:" or "mkd:" then the text. Kept as a bulk string without the format.
            if (length < 4 || payload.Slice(3, 1).FirstSpan[0] != (byte)':')
            {
                ThrowMalformed("a verbatim string has no format prefix");
            }
            reply = RedisReply.Bulk(payload.Slice(4).ToArray());
            return true;
        }
        var bytes = payload.ToArray();
        reply = type == RedisReplyType.Error ? RedisReply.Error(bytes) : RedisReply.Bulk(bytes);
        return true;
    }

    private static bool TryReadAggregate(ref SequenceReader<byte> reader, bool materialize, int maxReplyBytes, int depth, RedisReplyType type, out RedisReply reply)
    {
        reply = default;
        if (!TryReadNumberLine(ref reader, out var count))
        {
            return false;
        }
        if (count == -1 && type == RedisReplyType.Array)
        {
            reply = RedisReply.Null;
            return true;
        }
        if (count < 0)
        {
            ThrowMalformed($"negative element count {count}");
        }
        if (depth >= MaxDepth)
        {
            ThrowMalformed($"aggregates nested deeper than {MaxDepth}");
        }
        var elements = type == RedisReplyType.Map ? count * 2 : count;
        // Every element takes at least 3 bytes, so a larger count cannot fit the reply limit.
        if (elements > maxReplyBytes / 3)
        {
            ThrowTooLarge(elements * 3, maxReplyBytes);
        }
        var built = materialize ? (elements == 0 ? [] : new RedisReply[elements]) : null;
        for (var i = 0; i < elements; i++)
        {
            if (!TryReadValue(ref reader, materialize, maxReplyBytes, depth + 1, out var element))
            {
                return false;
            }
            if (built is not null)
            {
                built[i] = element;
            }
        }
        if (built is not null)
        {
            reply = RedisReply.Aggregate(type, built);
        }
        return true;
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, long maxLength, out ReadOnlySequence<byte> line)
    {
        if (reader.TryReadTo(out line, (byte)'\r', advancePastDelimiter: false))
        {
            if (line.Length > maxLength)
            {
                ThrowMalformed($"a line is longer than {maxLength} bytes");
            }
            if (reader.Remaining < 2)
            {
                return false;
            }
            if (!reader.IsNext("\r\n"u8, advancePast: true))
            {
                ThrowMalformed("a CR is not followed by LF");
            }
            return true;
        }
        if (reader.Remaining > maxLength)
        {
            ThrowMalformed($"no CRLF within {maxLength} bytes");
        }
        return false;
    }

    private static bool TryReadNumberLine(ref SequenceReader<byte> reader, out long value)
    {
        value = 0;
        if (!TryReadLine(ref reader, MaxNumberLine, out var line))
        {
            return false;
        }
        Span<byte> copy = stackalloc byte[MaxNumberLine];
        var span = line.IsSingleSegment ? line.FirstSpan : copy[..CopyTo(line, copy)];
        if (span.IsEmpty || !Utf8Parser.TryParse(span, out value, out var used) || used != span.Length)
        {
            ThrowMalformed($"'{Encoding.ASCII.GetString(span)}' is not an integer");
        }
        return true;
    }

    private static int CopyTo(in ReadOnlySequence<byte> line, Span<byte> destination)
    {
        line.CopyTo(destination);
        return (int)line.Length;
    }

    private static double ParseDouble(in ReadOnlySequence<byte> line)
    {
        var text = Encoding.ASCII.GetString(line);
        switch (text)
        {
            case "inf":
                return double.PositiveInfinity;
            case "-inf":
                return double.NegativeInfinity;
            case "nan":
                return double.NaN;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            ThrowMalformed($"'{text}' is not a double");
        }
        return value;
    }

    private static void ValidateBigNumber(in ReadOnlySequence<byte> line)
    {
        var first = true;
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (!(char.IsAsciiDigit((char)b) || (first && b == (byte)'-')))
                {
                    ThrowMalformed("a big number has a non-digit");
                }
                first = false;
            }
        }
        if (first)
        {
            ThrowMalformed("a big number is empty");
        }
    }

    [DoesNotReturn]
    private static void ThrowMalformed(string what) => throw new RedisProtocolException($"Malformed RESP reply: {what}.");

    [DoesNotReturn]
    private static void ThrowUnknownType(byte type, long offset) =>
        throw new RedisProtocolException($"Malformed RESP reply: unknown type byte 0x{type:X2} ('{(type is >= 32 and < 127 ? (char)type : '?')}') at offset {offset}.");

    [DoesNotReturn]
    private static void ThrowTooLarge(long size, int max) =>
        throw new RedisProtocolException($"The reply is larger than RedisClientOptions.MaxReplyBytes ({size} > {max} bytes).");
}
