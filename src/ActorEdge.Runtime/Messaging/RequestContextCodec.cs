using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// Encodes <see cref="RequestContext"/> values: an object of entries, each a key (field 1)
/// followed by a value whose field id names its type.
/// </summary>
internal static class RequestContextCodec
{
    private const uint KeyField = 1, StringField = 2, IntField = 3, LongField = 4, DoubleField = 5, BoolField = 6, GuidField = 7, BytesField = 8;

    public static void Write(ref Writer w, uint fieldId, Dictionary<string, object> values)
    {
        w.WriteStartObject(fieldId);
        Span<byte> guidBytes = stackalloc byte[16];
        foreach (var (key, value) in values)
        {
            w.WriteFieldHeader(KeyField, WireType.LengthPrefixed);
            w.WriteUtf8(key);
            switch (value)
            {
                case string s:
                    w.WriteFieldHeader(StringField, WireType.LengthPrefixed);
                    w.WriteUtf8(s);
                    break;
                case int i:
                    w.WriteFieldHeader(IntField, WireType.VarInt);
                    w.WriteVarInt32(i);
                    break;
                case long l:
                    w.WriteFieldHeader(LongField, WireType.VarInt);
                    w.WriteVarInt64(l);
                    break;
                case double d:
                    w.WriteFieldHeader(DoubleField, WireType.Fixed64);
                    w.WriteFixed64(BitConverter.DoubleToUInt64Bits(d));
                    break;
                case bool b:
                    w.WriteFieldHeader(BoolField, WireType.VarInt);
                    w.WriteVarUInt32(b ? 1u : 0u);
                    break;
                case Guid g:
                    g.TryWriteBytes(guidBytes);
                    w.WriteFieldHeader(GuidField, WireType.LengthPrefixed);
                    w.WriteLengthPrefixed(guidBytes);
                    break;
                case byte[] array:
                    w.WriteFieldHeader(BytesField, WireType.LengthPrefixed);
                    w.WriteLengthPrefixed(array);
                    break;
                default:
                    throw new SerializationException($"Request context value '{key}' has unsupported type {value.GetType()}.");
            }
        }
        w.WriteEndObject();
    }

    public static Dictionary<string, object> Read(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        string? key = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            object? value = null;
            switch (field)
            {
                case KeyField: key = r.ReadUtf8(); continue;
                case StringField: value = r.ReadUtf8(); break;
                case IntField: value = r.ReadVarInt32(); break;
                case LongField: value = r.ReadVarInt64(); break;
                case DoubleField: value = BitConverter.UInt64BitsToDouble(r.ReadFixed64()); break;
                case BoolField: value = r.ReadVarUInt32() != 0; break;
                case GuidField: value = ReadGuid(ref r); break;
                case BytesField: value = r.ReadLengthPrefixed().ToArray(); break;
                default: r.SkipField(inner); continue;
            }
            if (key is null)
            {
                throw new SerializationException("A request context value has no key.");
            }
            values[key] = value;
            key = null;
        }
        return values;
    }

    internal static Guid ReadGuid(ref Reader r)
    {
        var bytes = r.ReadLengthPrefixed();
        // new Guid(span) throws ArgumentException for other lengths; malformed input must end in SerializationException.
        if (bytes.Length != 16)
        {
            throw new SerializationException($"A Guid of {bytes.Length} bytes instead of 16.");
        }
        return new Guid(bytes);
    }
}
