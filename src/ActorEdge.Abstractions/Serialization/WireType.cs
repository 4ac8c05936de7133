namespace ActorEdge.Serialization;

/// <summary>
/// How a field's value is encoded. A field starts with a header, the varint
/// <c>(fieldId &lt;&lt; 3) | wireType</c>; the wire type alone tells a reader how to skip a
/// field it does not know, which is what makes the format version tolerant.
/// </summary>
public enum WireType : byte
{
    /// <summary>A LEB128 varint (integers, booleans, enums; signed values zig-zag encoded).</summary>
    VarInt = 0,
    /// <summary>Four little-endian bytes.</summary>
    Fixed32 = 1,
    /// <summary>Eight little-endian bytes.</summary>
    Fixed64 = 2,
    /// <summary>A varint length followed by that many bytes (strings, byte arrays, Guids).</summary>
    LengthPrefixed = 3,
    /// <summary>Starts a nested object: fields follow until <see cref="EndObject"/>.</summary>
    StartObject = 4,
    /// <summary>Ends the innermost nested object (field id 0).</summary>
    EndObject = 5,
    /// <summary>A null reference; no payload.</summary>
    Null = 6,
}
