using System.ComponentModel;

namespace ActorEdge.Invocation;

/// <summary>
/// The FNV-1a hash the code generator uses for interface and method ids, exposed so tools and
/// tests compute the same ids: an interface id hashes the interface's full name
/// (<c>Namespace.IName</c>), a method id hashes <c>Name(FullType1,FullType2)</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StableHash
{
    /// <summary>FNV-1a (32 bits) over the UTF-16 code units of <paramref name="value"/>.</summary>
    public static uint Fnv1a(string value)
    {
        uint hash = 2166136261;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619;
        }
        return hash;
    }
}
