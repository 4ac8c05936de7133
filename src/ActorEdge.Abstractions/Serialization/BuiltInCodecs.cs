namespace ActorEdge.Serialization;

/// <summary>The codecs of the types every ActorEdge process can serialize without generated code.</summary>
internal static class BuiltInCodecs
{
    /// <summary>Returns the codec of <paramref name="type"/> (an <c>IFieldCodec&lt;type&gt;</c>), or null.</summary>
    internal static object? TryCreate(Type type) => null;
}
