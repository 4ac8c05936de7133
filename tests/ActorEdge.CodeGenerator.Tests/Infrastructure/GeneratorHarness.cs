using System.Collections.Immutable;
using System.Text;
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
        return CSharpCompilation.Create(
            "GeneratorTest",
            [CSharpSyntaxTree.ParseText(Usings + source, ParseOptions, path, Encoding.UTF8)],
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
}
