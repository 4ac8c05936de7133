namespace ActorEdge.Serialization;

/// <summary>The codecs of the types every ActorEdge process can serialize without generated code.</summary>
/// <remarks>
/// Resolution is one-time: <see cref="Codec{T}"/> caches what <see cref="TryCreate"/> returns, so
/// the reflection used here for generic codecs never runs per call. Generic codecs compose
/// <see cref="DeferredCodec{T}"/> instances, so element types resolve lazily (and may be types
/// whose generated codecs register later, or recursive types).
/// </remarks>
internal static class BuiltInCodecs
{
    private static readonly Dictionary<Type, object> Primitives = new()
    {
        [typeof(bool)] = BoolCodec.Instance,
        [typeof(byte)] = ByteCodec.Instance,
        [typeof(sbyte)] = SByteCodec.Instance,
        [typeof(short)] = Int16Codec.Instance,
        [typeof(ushort)] = UInt16Codec.Instance,
        [typeof(int)] = Int32Codec.Instance,
        [typeof(uint)] = UInt32Codec.Instance,
        [typeof(long)] = Int64Codec.Instance,
        [typeof(ulong)] = UInt64Codec.Instance,
        [typeof(char)] = CharCodec.Instance,
        [typeof(float)] = SingleCodec.Instance,
        [typeof(double)] = DoubleCodec.Instance,
        [typeof(decimal)] = DecimalCodec.Instance,
        [typeof(string)] = StringCodec.Instance,
        [typeof(Guid)] = GuidCodec.Instance,
        [typeof(DateTime)] = DateTimeCodec.Instance,
        [typeof(DateTimeOffset)] = DateTimeOffsetCodec.Instance,
        [typeof(TimeSpan)] = TimeSpanCodec.Instance,
        [typeof(DateOnly)] = DateOnlyCodec.Instance,
        [typeof(TimeOnly)] = TimeOnlyCodec.Instance,
        [typeof(byte[])] = ByteArrayCodec.Instance,
        [typeof(ReadOnlyMemory<byte>)] = ByteMemoryCodec.Instance,
        [typeof(Uri)] = UriCodec.Instance,
        [typeof(GrainId)] = GrainIdCodec.Instance,
        [typeof(SiloAddress)] = SiloAddressCodec.Instance,
    };

    /// <summary>Returns the codec of <paramref name="type"/> (an <c>IFieldCodec&lt;type&gt;</c>), or null.</summary>
    internal static object? TryCreate(Type type)
    {
        if (Primitives.TryGetValue(type, out var codec))
        {
            return codec;
        }
        try
        {
            return CreateComposite(type);
        }
        catch (ArgumentException)
        {
            // A type argument a codec cannot take (a pointer, a by-ref-like type): no built-in codec.
            return null;
        }
    }

    private static object? CreateComposite(Type type)
    {
        if (type.IsSZArray)
        {
            return Compose(typeof(ArrayCodec<>), [type.GetElementType()!]);
        }
        if (type.IsEnum)
        {
            return typeof(EnumCodec<>).MakeGenericType(type).GetField(nameof(EnumCodec<>.Instance))!.GetValue(null);
        }
        if (!type.IsConstructedGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        if (definition == typeof(Nullable<>))
        {
            return Compose(typeof(NullableCodec<>), arguments);
        }
        if (definition == typeof(List<>))
        {
            return Compose(typeof(ListCodec<>), arguments);
        }
        if (definition == typeof(HashSet<>))
        {
            return Compose(typeof(HashSetCodec<>), arguments);
        }
        if (definition == typeof(Dictionary<,>))
        {
            return Compose(typeof(DictionaryCodec<,>), arguments);
        }
        if (definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IList<>)
            || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IReadOnlyList<>))
        {
            return Compose(typeof(EnumerableCodec<,>), arguments, type);
        }
        if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
        {
            return Compose(typeof(ReadOnlyDictionaryCodec<,,>), arguments, type);
        }
        if (definition == typeof(KeyValuePair<,>))
        {
            return Compose(typeof(KeyValuePairCodec<,>), arguments);
        }
        if (definition == typeof(ValueTuple<,>))
        {
            return Compose(typeof(ValueTupleCodec<,>), arguments);
        }
        if (definition == typeof(ValueTuple<,,>))
        {
            return Compose(typeof(ValueTupleCodec<,,>), arguments);
        }
        return null;
    }

    /// <summary>
    /// Creates <paramref name="codecDefinition"/> closed over <paramref name="collectionType"/> (when
    /// given) and <paramref name="elementTypes"/>, passing a deferred codec per element type.
    /// </summary>
    private static object Compose(Type codecDefinition, Type[] elementTypes, Type? collectionType = null)
    {
        var codecArguments = new object[elementTypes.Length];
        for (var i = 0; i < elementTypes.Length; i++)
        {
            codecArguments[i] = typeof(DeferredCodec<>).MakeGenericType(elementTypes[i]).GetField(nameof(DeferredCodec<>.Instance))!.GetValue(null)!;
        }
        Type[] typeArguments = collectionType is null ? elementTypes : [collectionType, .. elementTypes];
        return Activator.CreateInstance(codecDefinition.MakeGenericType(typeArguments), codecArguments)!;
    }
}
