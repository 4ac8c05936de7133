namespace ActorEdge.Serialization;

/// <summary>
/// Asks the code generator for a serializer for this class, record or struct. Members marked
/// with <see cref="IdAttribute"/> are serialized; ids must stay stable across versions.
/// Enums used in grain calls and state need no attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class GenerateSerializerAttribute : Attribute;

/// <summary>
/// The stable field id of a serialized member. Adding a member with a new id, or removing one,
/// keeps old data readable: unknown ids are skipped and missing ones keep their default.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class IdAttribute(uint id) : Attribute
{
    /// <summary>The field id.</summary>
    public uint Id { get; } = id;
}

/// <summary>Excludes a member of a <see cref="GenerateSerializerAttribute"/> type from serialization.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NonSerializedMemberAttribute : Attribute;
