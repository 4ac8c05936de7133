using System.Collections.Immutable;
using System.Text;
using ActorEdge.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace ActorEdge.CodeGenerator.Tests.Infrastructure;

/// <summary>Runs <see cref="ActorEdgeGenerator"/> in process over source snippets.</summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(CreateReferences);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ActorEdge;
        using ActorEdge.Serialization;

        """;

    /// <summary>Compiles <paramref name="source"/> (with <see cref="Usings"/> prepended) as a library.</summary>
    public static CSharpCompilation CreateCompilation(string source, string path = "Test.cs")
    {
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(Usings + source, ParseOptions, path, Encoding.UTF8) };
        if (CodecStubs.Needed)
        {
            trees.Add(CSharpSyntaxTree.ParseText(CodecStubs.Source, ParseOptions, "CodecStubs.cs", Encoding.UTF8));
        }
        return CSharpCompilation.Create(
            "GeneratorTest",
            trees,
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new ActorEdgeGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(string source)
    {
        var compilation = CreateCompilation(source);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>The text of <paramref name="source"/> without its <c>[|</c> and <c>|]</c> markers, and the marked span (in the compiled file).</summary>
    public static (string Source, TextSpan Span) Marked(string source)
    {
        var start = source.IndexOf("[|", StringComparison.Ordinal);
        var end = source.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the snippet must mark the expected location with [| |]");
        var clean = source.Remove(end, 2).Remove(start, 2);
        return (clean, new TextSpan(Usings.Length + start, end - start - 2));
    }

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var testAssembly = typeof(GeneratorHarness).Assembly.Location;
        var references = paths
            .Where(p => !string.Equals(p, testAssembly, StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        var abstractions = typeof(Grain).Assembly.Location;
        if (!paths.Contains(abstractions))
        {
            references.Add(MetadataReference.CreateFromFile(abstractions));
        }
        return [.. references];
    }

    /// <summary>
    /// Signatures of the built-in codecs, compiled into test snippets while ActorEdge.Abstractions does
    /// not have them yet, so generated code can be checked to compile. Unused once they exist there.
    /// </summary>
    private static class CodecStubs
    {
        public static readonly bool Needed = typeof(Codec<>).Assembly.GetType("ActorEdge.Serialization.Int32Codec") is null;

        private static readonly (string Name, string Type)[] Simple =
        [
            ("BoolCodec", "bool"), ("ByteCodec", "byte"), ("SByteCodec", "sbyte"), ("Int16Codec", "short"), ("UInt16Codec", "ushort"),
            ("Int32Codec", "int"), ("UInt32Codec", "uint"), ("Int64Codec", "long"), ("UInt64Codec", "ulong"), ("CharCodec", "char"),
            ("SingleCodec", "float"), ("DoubleCodec", "double"), ("DecimalCodec", "decimal"), ("StringCodec", "string"),
            ("GuidCodec", "System.Guid"), ("DateTimeCodec", "System.DateTime"), ("DateTimeOffsetCodec", "System.DateTimeOffset"),
            ("TimeSpanCodec", "System.TimeSpan"), ("DateOnlyCodec", "System.DateOnly"), ("TimeOnlyCodec", "System.TimeOnly"),
            ("ByteArrayCodec", "byte[]"), ("ByteMemoryCodec", "System.ReadOnlyMemory<byte>"), ("UriCodec", "System.Uri"),
            ("GrainIdCodec", "ActorEdge.GrainId"), ("SiloAddressCodec", "ActorEdge.SiloAddress"),
        ];

        public static string Source
        {
            get
            {
                var builder = new StringBuilder("namespace ActorEdge.Serialization;\nusing System.Collections.Generic;\n");
                foreach (var (name, type) in Simple)
                {
                    builder.Append(
                        $"public sealed class {name} : IFieldCodec<{type}> {{ public static readonly {name} Instance = new(); {Body(type)} }}\n");
                }
                builder.Append("""
                    public sealed class NullableCodec<T>(IFieldCodec<T> c) : IFieldCodec<T?> where T : struct { BODY(T?) }
                    public sealed class ArrayCodec<T>(IFieldCodec<T> c) : IFieldCodec<T[]> { BODY(T[]) }
                    public sealed class ListCodec<T>(IFieldCodec<T> c) : IFieldCodec<List<T>> { BODY(List<T>) }
                    public sealed class HashSetCodec<T>(IFieldCodec<T> c) : IFieldCodec<HashSet<T>> { BODY(HashSet<T>) }
                    public sealed class DictionaryCodec<TKey, TValue>(IFieldCodec<TKey> k, IFieldCodec<TValue> v) : IFieldCodec<Dictionary<TKey, TValue>> where TKey : notnull { BODY(Dictionary<TKey, TValue>) }
                    public sealed class EnumerableCodec<TCollection, T>(IFieldCodec<T> c) : IFieldCodec<TCollection> where TCollection : IEnumerable<T> { BODY(TCollection) }
                    public sealed class ReadOnlyDictionaryCodec<TDictionary, TKey, TValue>(IFieldCodec<TKey> k, IFieldCodec<TValue> v) : IFieldCodec<TDictionary> where TDictionary : IEnumerable<KeyValuePair<TKey, TValue>> { BODY(TDictionary) }
                    public sealed class KeyValuePairCodec<TKey, TValue>(IFieldCodec<TKey> k, IFieldCodec<TValue> v) : IFieldCodec<KeyValuePair<TKey, TValue>> { BODY(KeyValuePair<TKey, TValue>) }
                    public sealed class ValueTupleCodec<T1, T2>(IFieldCodec<T1> a, IFieldCodec<T2> b) : IFieldCodec<(T1, T2)> { BODY((T1, T2)) }
                    public sealed class ValueTupleCodec<T1, T2, T3>(IFieldCodec<T1> a, IFieldCodec<T2> b, IFieldCodec<T3> c) : IFieldCodec<(T1, T2, T3)> { BODY((T1, T2, T3)) }
                    public sealed class EnumCodec<TEnum> : IFieldCodec<TEnum> where TEnum : struct, System.Enum { public static readonly EnumCodec<TEnum> Instance = new(); BODY(TEnum) }

                    """);
                return System.Text.RegularExpressions.Regex.Replace(builder.ToString(), @"BODY\((.*?)\) \}", m => Body(m.Groups[1].Value) + " }");
            }
        }

        private static string Body(string type) =>
            $"public void Write(ref Writer writer, uint fieldId, {type} value) {{ }} public {type} Read(ref Reader reader, WireType wireType) => default!;";
    }
}
