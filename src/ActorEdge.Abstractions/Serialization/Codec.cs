using System.Runtime.CompilerServices;

namespace ActorEdge.Serialization;

/// <summary>
/// The codec of <typeparamref name="T"/>, resolved once and cached: a built-in codec, or the
/// one generated for a <see cref="GenerateSerializerAttribute"/> type and registered by the
/// module initializer of the assembly that declares it.
/// </summary>
public static class Codec<T>
{
    private static IFieldCodec<T>? _instance;

    /// <summary>The codec. Throws <see cref="SerializationException"/> if <typeparamref name="T"/> has none.</summary>
    public static IFieldCodec<T> Instance
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _instance ?? Resolve();
    }

    /// <summary>Registers the codec of <typeparamref name="T"/> (called by generated code).</summary>
    public static void Register(IFieldCodec<T> codec) => _instance = codec ?? throw new ArgumentNullException(nameof(codec));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IFieldCodec<T> Resolve()
    {
        if (BuiltInCodecs.TryCreate(typeof(T)) is IFieldCodec<T> builtIn)
        {
            return _instance = builtIn;
        }

        // A generated codec registers itself from its assembly's module initializer, which the
        // runtime does not run until something in the module executes: run it now.
        RuntimeHelpers.RunModuleConstructor(typeof(T).Module.ModuleHandle);
        return _instance ?? throw new SerializationException(
            $"No codec for type '{typeof(T)}'. Mark it [GenerateSerializer] with [Id(n)] on its members, in a project that references ActorEdge.Abstractions (the code generator runs there).");
    }
}

/// <summary>
/// A codec that forwards to <see cref="Codec{T}.Instance"/> at each use, so generated code can
/// compose codecs of types whose own codecs are not registered yet (or are recursive).
/// </summary>
public sealed class DeferredCodec<T> : IFieldCodec<T>
{
    /// <summary>The instance.</summary>
    public static readonly DeferredCodec<T> Instance = new();

    private DeferredCodec() { }

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, T value) => Codec<T>.Instance.Write(ref writer, fieldId, value);

    /// <inheritdoc />
    public T Read(ref Reader reader, WireType wireType) => Codec<T>.Instance.Read(ref reader, wireType);
}
