namespace ActorEdge.Serialization;

/// <summary>
/// Encodes and decodes values of one type as fields. Generated serializers and the built-in
/// codecs implement it; codecs are stateless singletons.
/// </summary>
public interface IFieldCodec<T>
{
    /// <summary>Writes <paramref name="value"/> as field <paramref name="fieldId"/>: its header, then its payload.</summary>
    void Write(ref Writer writer, uint fieldId, T value);

    /// <summary>Reads a value whose field header (with <paramref name="wireType"/>) was just read.</summary>
    T Read(ref Reader reader, WireType wireType);
}
