using ActorEdge.CodeGenerator.Tests.Infrastructure;
using ActorEdge.Invocation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ActorEdge.CodeGenerator.Tests;

/// <summary>The generator run over valid sources: what it emits, that it compiles, and that it is incremental.</summary>
public sealed class ActorEdgeGeneratorTests
{
    private const string ValidSource = """
        namespace Shop
        {
            public enum Status { Open, Closed }

            [GenerateSerializer]
            public sealed record Item([property: Id(0)] string Sku, [property: Id(1)] decimal Price);

            [GenerateSerializer]
            public record struct Coordinates([property: Id(0)] double Lat, [property: Id(1)] double Lon);

            [GenerateSerializer]
            public readonly struct Range
            {
                public Range(int low, int high) { Low = low; High = high; }
                [Id(0)] public int Low { get; }
                [Id(1)] public int High { get; }
            }

            [GenerateSerializer]
            public sealed class Order
            {
                [Id(0)] public Guid Id { get; set; }
                [Id(1)] public List<Item> Items { get; set; } = new();
                [Id(2)] public Dictionary<string, Item?> BySku { get; set; } = new();
                [Id(3)] public Status Status { get; set; }
                [Id(4)] public DateTime? Shipped { get; set; }
                [Id(5)] public Order? Parent { get; set; }
                [Id(6)] public IReadOnlyList<int> Quantities { get; set; } = [];
                [Id(7)] public IReadOnlyDictionary<string, long> Totals { get; set; } = new Dictionary<string, long>();
                [Id(8)] public HashSet<string> Tags { get; set; } = new();
                [Id(9)] public KeyValuePair<int, string> Pair { get; set; }
                [Id(10)] public (int, string) Tuple2 { get; set; }
                [Id(11)] public (int A, string B, Status C) Tuple3 { get; set; }
                [Id(12)] public byte[] Blob { get; set; } = [];
                [Id(13)] public ReadOnlyMemory<byte> Memory { get; set; }
                [Id(14)] public Item[] ItemArray { get; set; } = [];
                [Id(15)] public IEnumerable<Status> Statuses { get; set; } = [];
                [Id(16)] public Uri? Link { get; set; }
                [Id(17)] public TimeSpan Span;
                [Id(18)] public GrainId Owner { get; set; }
                [Id(19)] public Coordinates Where { get; set; }
                [Id(20)] public Range Range { get; set; }
                [Id(21)] public DateTimeOffset At { get; set; }
                [Id(22)] public char Letter { get; set; }
                [Id(23)] public ICollection<IList<int>> Nested { get; set; } = [];
                [Id(24)] public IDictionary<string, int?> Sparse { get; set; } = new Dictionary<string, int?>();
                [Id(25)] public IReadOnlyCollection<TimeOnly> Times { get; set; } = [];
                [Id(26)] public DateOnly Day { get; set; }
            }

            [GenerateSerializer]
            public sealed class Immutable
            {
                public Immutable(string name, int count = 3) { Name = name; Count = count; }
                [Id(0)] public string Name { get; }
                [Id(1)] public int Count { get; }
                [Id(2)] public string? Note { get; init; }
                [Id(3)] public int Mutable { get; set; } = 5;
            }

            public static class Outer
            {
                public interface IInner : IGrainWithGuidKey
                {
                    Task<Order?> Get(Guid id, CancellationToken cancellationToken);
                }
            }

            public interface IMarker { }

            public interface IOrderGrain : IGrainWithIntegerKey, IMarker
            {
                Task Add(Item item, int quantity);
                ValueTask<IReadOnlyList<Item>> Items();
                [OneWay] ValueTask Touch();
                [AlwaysInterleave, ResponseTimeout("00:01:00")] Task<Status> Status(CancellationToken cancellationToken);
                Task<(int, string)> Pair(KeyValuePair<string, int> kv, Range range, Coordinates? at, Immutable immutable);
                Task @class(int @event);
            }

            public interface ISpecialOrderGrain : IOrderGrain, Outer.IInner
            {
                Task<Dictionary<string, List<Order>>> Special(string? note);
            }

            public interface IService { }

            [GrainType("orders")]
            public sealed class OrderGrain(
                [PersistentState("order", "store")] IPersistentState<Order> state,
                IService service) : Grain, ISpecialOrderGrain
            {
                public Task Add(Item item, int quantity) => Task.CompletedTask;
                public ValueTask<IReadOnlyList<Item>> Items() => new(new List<Item>());
                public ValueTask Touch() => default;
                public Task<Status> Status(CancellationToken cancellationToken) => Task.FromResult(Shop.Status.Open);
                public Task<(int, string)> Pair(KeyValuePair<string, int> kv, Range range, Coordinates? at, Immutable immutable) => Task.FromResult((1, ""));
                public Task @class(int @event) => Task.CompletedTask;
                public Task<Order?> Get(Guid id, CancellationToken cancellationToken) => Task.FromResult<Order?>(null);
                public Task<Dictionary<string, List<Order>>> Special(string? note) => Task.FromResult(new Dictionary<string, List<Order>>());
            }
        }
        """;

    [Fact]
    public void ValidSource_NoDiagnostics_OutputCompilesWithoutErrorsOrWarnings()
    {
        var (result, output) = GeneratorHarness.Run(ValidSource);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true))
            .Select(d => d.ToString())
            .ToList();
        Assert.Empty(problems);
    }

    [Fact]
    public void ValidSource_OneFilePerSourceTypePlusRegistration()
    {
        var (result, _) = GeneratorHarness.Run(ValidSource);

        Assert.Equal(
            [
                "ActorEdgeGeneratedRegistration.g.cs",
                "Shop_Coordinates.Codec.g.cs",
                "Shop_IOrderGrain.Grain.g.cs",
                "Shop_ISpecialOrderGrain.Grain.g.cs",
                "Shop_Immutable.Codec.g.cs",
                "Shop_Item.Codec.g.cs",
                "Shop_Order.Codec.g.cs",
                "Shop_Outer_IInner.Grain.g.cs",
                "Shop_Range.Codec.g.cs",
            ],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        foreach (var source in result.GeneratedSources)
        {
            var text = source.SourceText.ToString();
            Assert.StartsWith("// <auto-generated/>\n#nullable enable\n", text, StringComparison.Ordinal);
            Assert.Contains("namespace ActorEdge.Generated;", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Ids_AreFnv1aOfFullNamesAndSignatures()
    {
        var (result, _) = GeneratorHarness.Run(ValidSource);

        var inner = Source(result, "Shop_Outer_IInner.Grain.g.cs");
        Assert.Contains($"public const uint Id = 0x{StableHash.Fnv1a("Shop.Outer.IInner"):X8}u;", inner, StringComparison.Ordinal);
        Assert.Contains(
            $"= 0x{StableHash.Fnv1a("Get(System.Guid,System.Threading.CancellationToken)"):X8}u;", inner, StringComparison.Ordinal);

        // The derived interface's proxy calls inherited methods with the declaring interface's id.
        var special = Source(result, "Shop_ISpecialOrderGrain.Grain.g.cs");
        Assert.Contains(
            $"Runtime.CreateRequest(this, 0x{StableHash.Fnv1a("Shop.Outer.IInner"):X8}u, 0x{StableHash.Fnv1a("Get(System.Guid,System.Threading.CancellationToken)"):X8}u,",
            special,
            StringComparison.Ordinal);
        Assert.Contains(
            $"Runtime.CreateRequest(this, 0x{StableHash.Fnv1a("Shop.IOrderGrain"):X8}u, 0x{StableHash.Fnv1a("Add(Shop.Item,int)"):X8}u,",
            special,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_DescribesGrainClass()
    {
        var (result, _) = GeneratorHarness.Run(ValidSource);

        var registration = Source(result, "ActorEdgeGeneratedRegistration.g.cs");
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", registration, StringComparison.Ordinal);
        Assert.Contains("""
                    global::ActorEdge.Invocation.GrainCodeRegistry.AddGrainClass(new global::ActorEdge.Invocation.GrainClassDescriptor(
                        typeof(global::Shop.OrderGrain),
                        "orders",
                        new global::System.Type[] { typeof(global::Shop.ISpecialOrderGrain), typeof(global::Shop.IOrderGrain), typeof(global::Shop.Outer.IInner) },
                        static context => new global::Shop.OrderGrain(context.GetPersistentState<global::Shop.Order>("order", "store"), global::ActorEdge.Invocation.GrainActivation.GetService<global::Shop.IService>(context))));
            """.Replace("\r\n", "\n", StringComparison.Ordinal), registration, StringComparison.Ordinal);
        Assert.Contains("global::ActorEdge.Serialization.Codec<global::Shop.Order>.Register(new Shop_OrderCodec());", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_NamesInterfaceMethodsById()
    {
        var (result, _) = GeneratorHarness.Run(ValidSource);

        var registration = Source(result, "ActorEdgeGeneratedRegistration.g.cs");
        var id = StableHash.Fnv1a("Add(Shop.Item,int)");
        Assert.Contains($"[0x{id:X8}u] = \"Add\"", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_IsDeterministic()
    {
        var first = GeneratorHarness.Run(ValidSource).Result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        var second = GeneratorHarness.Run(ValidSource).Result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList();

        Assert.Equal(first, second);
    }

    [Fact]
    public void NothingToGenerate_NoRegistration()
    {
        var (result, _) = GeneratorHarness.Run("public interface INotAGrain { Task M(); } public class Plain : System.Exception { }");

        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void UnrelatedEdit_AllOutputsCached()
    {
        var compilation = GeneratorHarness.CreateCompilation(ValidSource);
        var unrelated = CSharpSyntaxTree.ParseText("namespace Other { public static class Util { public static int F() => 1; } }", path: "Other.cs", cancellationToken: TestContext.Current.CancellationToken);
        compilation = compilation.AddSyntaxTrees(unrelated);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken);

        var edited = compilation.ReplaceSyntaxTree(
            unrelated,
            CSharpSyntaxTree.ParseText("namespace Other { public static class Util { public static int F() => 2; public static int G() => 3; } }", path: "Other.cs", cancellationToken: TestContext.Current.CancellationToken));
        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        foreach (var name in new[] { ActorEdgeGenerator.InterfacesStep, ActorEdgeGenerator.GrainClassesStep, ActorEdgeGenerator.SerializersStep })
        {
            var steps = result.TrackedSteps[name];
            Assert.NotEmpty(steps);
            Assert.All(steps.SelectMany(s => s.Outputs), o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        }
    }

    [Fact]
    public void EditInSameFileOutsideGrainCode_ModelsUnchanged()
    {
        var compilation = GeneratorHarness.CreateCompilation(ValidSource + "\nnamespace Other { public static class Util { public static int F() => 1; } }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            tree,
            tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(tree.ToString().Replace("=> 1;", "=> 42;", StringComparison.Ordinal))));

        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }

    [Fact]
    public void EditOfGrainInterface_RegeneratesIt()
    {
        var compilation = GeneratorHarness.CreateCompilation(ValidSource);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            tree,
            tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
                tree.ToString().Replace("ValueTask<IReadOnlyList<Item>> Items();", "ValueTask<IReadOnlyList<Item>> Items(); Task Extra();", StringComparison.Ordinal))));

        var result = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        Assert.Contains(
            result.TrackedSteps[ActorEdgeGenerator.InterfacesStep].SelectMany(s => s.Outputs),
            o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Extra()", Source(result, "Shop_IOrderGrain.Grain.g.cs"), StringComparison.Ordinal);
    }

    private static string Source(GeneratorRunResult result, string hintName) =>
        result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
}
