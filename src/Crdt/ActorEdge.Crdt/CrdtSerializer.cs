using System.Buffers;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The versioned wire format of CRDT states and deltas: field 0 is the format version, field 1
/// the type tag, field 2 the state's body (tagged fields, so later versions may add fields that
/// older readers skip). Input that is truncated, of another type or another major version, or
/// semantically impossible (a dot with counter 0, a key twice) throws <see cref="SerializationException"/>.
/// </summary>
public static class CrdtSerializer
{
    /// <summary>The format version written.</summary>
    public const uint FormatVersion = 1;

    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output) where T : class, ICrdt<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        var w = new Writer(output);
        w.WriteFieldHeader(0, WireType.VarInt);
        w.WriteVarUInt32(FormatVersion);
        w.WriteFieldHeader(1, WireType.VarInt);
        w.WriteVarUInt32(T.TypeTag);
        w.WriteStartObject(2);
        value.WriteBody(ref w);
        w.WriteEndObject();
        w.Commit();
    }

    /// <summary>The bytes of <paramref name="value"/>.</summary>
    public static byte[] SerializeToArray<T>(T value) where T : class, ICrdt<T>
    {
        var output = new ArrayBufferWriter<byte>(64);
        Serialize(value, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads a value written by <see cref="Serialize{T}"/>.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data) where T : class, ICrdt<T>
    {
        try
        {
            var r = new Reader(data);
            uint? version = null, tag = null;
            T? result = null;
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 0:
                        CrdtWire.Expect(wireType, WireType.VarInt);
                        version = r.ReadVarUInt32();
                        if (version != FormatVersion)
                        {
                            throw new SerializationException($"CRDT data of format version {version}; this reader knows version {FormatVersion}.");
                        }
                        break;
                    case 1:
                        CrdtWire.Expect(wireType, WireType.VarInt);
                        tag = r.ReadVarUInt32();
                        if (tag != T.TypeTag)
                        {
                            throw new SerializationException($"CRDT data of type tag {tag} read as {typeof(T).Name} (tag {T.TypeTag}).");
                        }
                        break;
                    case 2:
                        if (version is null || tag is null || result is not null)
                        {
                            throw new SerializationException("CRDT data whose body is not preceded by exactly one version and type tag.");
                        }
                        r.EnterObject(wireType);
                        result = T.ReadBody(ref r);
                        break;
                    default:
                        r.SkipField(wireType);
                        break;
                }
            }
            return result ?? throw new SerializationException($"CRDT data without a body for {typeof(T).Name}.");
        }
        catch (Exception e) when (e is not SerializationException)
        {
            throw new SerializationException($"Malformed {typeof(T).Name} data: {e.Message}", e);
        }
    }
}
