using ActorEdge.CodeGenerator.Model;
using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator.Parsing;

/// <summary>
/// Maps a type to the expression of its codec: a built-in codec, a composite built from the
/// codecs of its type arguments, or the deferred codec of a <c>[GenerateSerializer]</c> type.
/// </summary>
internal static class CodecResolver
{
    private const string Ns = "global::ActorEdge.Serialization.";

    /// <summary>Returns the codec of <paramref name="type"/>, or null and the innermost type that has none.</summary>
    public static CodecRef? Resolve(ITypeSymbol type, out ITypeSymbol? unsupported)
    {
        unsupported = null;
        var result = ResolveCore(type.WithNullableAnnotation(NullableAnnotation.None), ref unsupported);
        return result;
    }

    private static CodecRef? ResolveCore(ITypeSymbol type, ref ITypeSymbol? unsupported)
    {
        if (SpecialCodec(type) is { } special)
        {
            return Simple(special);
        }

        switch (type)
        {
            case IArrayTypeSymbol array when array.IsSZArray:
                if (array.ElementType.SpecialType == SpecialType.System_Byte)
                {
                    return Simple("ByteArrayCodec");
                }
                return Composite("ArrayCodec", [array.ElementType], ref unsupported, type);

            case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                return new CodecRef($"{Ns}EnumCodec<{enumType.ToQualified()}>.Instance", CompositeType: null);

            case INamedTypeSymbol named when NamedCodec(named) is { } builtIn:
                return Simple(builtIn);

            case INamedTypeSymbol { IsGenericType: true } generic:
                return ResolveGeneric(generic, ref unsupported);

            case INamedTypeSymbol named when named.OriginalDefinition.HasAttribute("ActorEdge.Serialization", "GenerateSerializerAttribute"):
                return new CodecRef($"{Ns}DeferredCodec<{named.ToQualified()}>.Instance", CompositeType: null);
        }

        unsupported = type;
        return null;
    }

    private static CodecRef? ResolveGeneric(INamedTypeSymbol type, ref ITypeSymbol? unsupported)
    {
        var args = type.TypeArguments;
        var definition = type.OriginalDefinition;
        if (definition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Composite("NullableCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System", "ReadOnlyMemory`1") && args[0].SpecialType == SpecialType.System_Byte)
        {
            return Simple("ByteMemoryCodec");
        }
        if (definition.Is("System.Collections.Generic", "List`1"))
        {
            return Composite("ListCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System.Collections.Generic", "HashSet`1"))
        {
            return Composite("HashSetCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System.Collections.Generic", "Dictionary`2"))
        {
            return Composite("DictionaryCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System.Collections.Generic", "KeyValuePair`2"))
        {
            return Composite("KeyValuePairCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System", "ValueTuple`2") || definition.Is("System", "ValueTuple`3"))
        {
            return Composite("ValueTupleCodec", args, ref unsupported, type, includeTypeArgumentsOnly: true);
        }
        if (definition.Is("System.Collections.Generic", "IList`1")
            || definition.Is("System.Collections.Generic", "IReadOnlyList`1")
            || definition.Is("System.Collections.Generic", "IEnumerable`1")
            || definition.Is("System.Collections.Generic", "ICollection`1")
            || definition.Is("System.Collections.Generic", "IReadOnlyCollection`1"))
        {
            return Composite("EnumerableCodec", args, ref unsupported, type, includeTypeArgumentsOnly: false);
        }
        if (definition.Is("System.Collections.Generic", "IDictionary`2")
            || definition.Is("System.Collections.Generic", "IReadOnlyDictionary`2"))
        {
            return Composite("ReadOnlyDictionaryCodec", args, ref unsupported, type, includeTypeArgumentsOnly: false);
        }
        if (definition.HasAttribute("ActorEdge.Serialization", "GenerateSerializerAttribute"))
        {
            // Generic [GenerateSerializer] types get no codec (AE0004 at their declaration).
            unsupported = type;
            return null;
        }
        unsupported = type;
        return null;
    }

    /// <summary>
    /// <c>new NameCodec&lt;[collection,] T1, ...&gt;(codec(T1), ...)</c>; with
    /// <paramref name="includeTypeArgumentsOnly"/> false the collection type itself is the first type argument.
    /// </summary>
    private static CodecRef? Composite(
        string codecName,
        IEnumerable<ITypeSymbol> elementTypes,
        ref ITypeSymbol? unsupported,
        ITypeSymbol collection,
        bool includeTypeArgumentsOnly = true)
    {
        var typeArguments = new List<string>();
        var codecs = new List<string>();
        if (!includeTypeArgumentsOnly)
        {
            typeArguments.Add(collection.ToQualified());
        }
        foreach (var element in elementTypes)
        {
            var elementCodec = ResolveCore(element.WithNullableAnnotation(NullableAnnotation.None), ref unsupported);
            if (elementCodec is null)
            {
                return null;
            }
            typeArguments.Add(element.ToQualified());
            codecs.Add(elementCodec.Expression);
        }
        var codecType = $"{Ns}{codecName}<{string.Join(", ", typeArguments)}>";
        return new CodecRef($"new {codecType}({string.Join(", ", codecs)})", codecType);
    }

    private static CodecRef Simple(string codecName) => new($"{Ns}{codecName}.Instance", CompositeType: null);

    private static string? SpecialCodec(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Boolean => "BoolCodec",
        SpecialType.System_Byte => "ByteCodec",
        SpecialType.System_SByte => "SByteCodec",
        SpecialType.System_Int16 => "Int16Codec",
        SpecialType.System_UInt16 => "UInt16Codec",
        SpecialType.System_Int32 => "Int32Codec",
        SpecialType.System_UInt32 => "UInt32Codec",
        SpecialType.System_Int64 => "Int64Codec",
        SpecialType.System_UInt64 => "UInt64Codec",
        SpecialType.System_Char => "CharCodec",
        SpecialType.System_Single => "SingleCodec",
        SpecialType.System_Double => "DoubleCodec",
        SpecialType.System_Decimal => "DecimalCodec",
        SpecialType.System_String => "StringCodec",
        SpecialType.System_DateTime => "DateTimeCodec",
        _ => null,
    };

    private static string? NamedCodec(INamedTypeSymbol type)
    {
        if (type.Is("System", "Guid"))
        {
            return "GuidCodec";
        }
        if (type.Is("System", "DateTimeOffset"))
        {
            return "DateTimeOffsetCodec";
        }
        if (type.Is("System", "TimeSpan"))
        {
            return "TimeSpanCodec";
        }
        if (type.Is("System", "DateOnly"))
        {
            return "DateOnlyCodec";
        }
        if (type.Is("System", "TimeOnly"))
        {
            return "TimeOnlyCodec";
        }
        if (type.Is("System", "Uri"))
        {
            return "UriCodec";
        }
        if (type.Is("ActorEdge", "GrainId"))
        {
            return "GrainIdCodec";
        }
        if (type.Is("ActorEdge", "SiloAddress"))
        {
            return "SiloAddressCodec";
        }
        return null;
    }
}
