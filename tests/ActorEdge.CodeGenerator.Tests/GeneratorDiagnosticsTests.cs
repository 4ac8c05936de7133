using ActorEdge.CodeGenerator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator.Tests;

/// <summary>Every generator diagnostic fires on its bad snippet, with its id, at the marked location.</summary>
public sealed class GeneratorDiagnosticsTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "AE0001", "unsupported return type",
            "public interface IA : IGrainWithStringKey { Task<int> Ok(); int [|Bad|](); }"
        },
        {
            "AE0001", "void return type",
            "public interface IA : IGrainWithStringKey { void [|Bad|](); }"
        },
        {
            "AE0002", "ref parameter",
            "public interface IA : IGrainWithStringKey { Task M(ref int [|value|]); }"
        },
        {
            "AE0002", "out parameter",
            "public interface IA : IGrainWithStringKey { Task M(out int [|value|]); }"
        },
        {
            "AE0002", "in parameter",
            "public interface IA : IGrainWithStringKey { Task M(in int [|value|]); }"
        },
        {
            "AE0003", "generic method",
            "public interface IA : IGrainWithStringKey { Task [|M|]<T>(T value); }"
        },
        {
            "AE0004", "generic grain interface",
            "public interface [|IA|]<T> : IGrainWithStringKey { Task M(); }"
        },
        {
            "AE0004", "generic grain class",
            "public interface IA : IGrainWithStringKey { Task M(); } public sealed class [|AGrain|]<T> : Grain, IA { public Task M() => Task.CompletedTask; }"
        },
        {
            "AE0004", "generic serializable type",
            "[GenerateSerializer] public sealed class [|Box|]<T> { [Id(0)] public T Value { get; set; } = default!; }"
        },
        {
            "AE0005", "property",
            "public interface IA : IGrainWithStringKey { int [|Count|] { get; } }"
        },
        {
            "AE0005", "event",
            "public interface IA : IGrainWithStringKey { event EventHandler [|Changed|]; }"
        },
        {
            "AE0005", "indexer",
            "public interface IA : IGrainWithStringKey { int [|this|][int index] { get; } }"
        },
        {
            "AE0006", "one-way method with a result",
            "public interface IA : IGrainWithStringKey { [OneWay] Task<int> [|M|](); }"
        },
        {
            "AE0007", "two cancellation tokens",
            "public interface IA : IGrainWithStringKey { Task M(CancellationToken a, CancellationToken [|b|]); }"
        },
        {
            "AE0008", "parameter without codec",
            "public sealed class Plain { } public interface IA : IGrainWithStringKey { Task M(Plain [|plain|]); }"
        },
        {
            "AE0008", "result without codec inside a collection",
            "public sealed class Plain { } public interface IA : IGrainWithStringKey { Task<List<Plain>> [|M|](); }"
        },
        {
            "AE0008", "member without codec",
            "public sealed class Plain { } [GenerateSerializer] public sealed class S { [Id(0)] public Plain [|Value|] { get; set; } = new(); }"
        },
        {
            "AE0009", "duplicate id",
            "[GenerateSerializer] public sealed class S { [Id(0)] public int A { get; set; } [Id(0)] public int [|B|] { get; set; } }"
        },
        {
            "AE0009", "duplicate id with a base class",
            "public class B { [Id(1)] public int A { get; set; } } [GenerateSerializer] public sealed class S : B { [Id(1)] public int [|C|] { get; set; } }"
        },
        {
            "AE0010", "no matching constructor",
            "[GenerateSerializer] public sealed class [|S|] { public S(int other) { A = other; } [Id(0)] public int A { get; } }"
        },
        {
            "AE0010", "read-only member not set by the constructor",
            "[GenerateSerializer] public sealed class S { public S(int a) { A = a; } [Id(0)] public int A { get; } [Id(1)] public int [|B|] { get; } }"
        },
        {
            "AE0011", "colliding method ids",
            "public interface IA : IGrainWithStringKey { Task M15119(); Task [|M203802|](); }"
        },
        {
            "AE0012", "ambiguous grain constructor",
            "public interface IA : IGrainWithStringKey { Task M(); } public sealed class AGrain : Grain, IA { public AGrain(string a) { } public [|AGrain|](int b) { } public Task M() => Task.CompletedTask; }"
        },
        {
            "AE0013", "private grain interface",
            "public static class Outer { private interface [|IA|] : IGrainWithStringKey { Task M(); } }"
        },
        {
            "AE0013", "private serialized member",
            "[GenerateSerializer] public sealed class S { [Id(0)] private int [|_a|]; public int A => _a; }"
        },
        {
            "AE0014", "invalid response timeout",
            "public interface IA : IGrainWithStringKey { [ResponseTimeout(\"soon\")] Task [|M|](); }"
        },
        {
            "AE0015", "non-grain base interface with members",
            "public interface [|IA|] : IGrainWithStringKey, IDisposable { Task M(); }"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_BadSnippet_IsReportedAtMember(string id, string what, string snippet)
    {
        var (source, span) = GeneratorHarness.Marked(snippet);

        var (result, _) = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.True(id == diagnostic.Id, $"{what}: expected {id}, got {diagnostic.Id}: {diagnostic.GetMessage()}");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("ActorEdge", diagnostic.Descriptor.Category);
        Assert.Equal("Test.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
    }

    [Fact]
    public void NoCodec_MessageNamesTheTypeAndTheFix()
    {
        var (result, _) = GeneratorHarness.Run(
            "namespace Ns { public sealed class Plain { } public interface IA : IGrainWithStringKey { Task M(Dictionary<string, Plain> map); } }");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(
            "'Ns.Plain' has no codec (needed by parameter 'map' of grain method 'M'); add [GenerateSerializer] to 'Ns.Plain' and [Id(n)] to its members, or use a built-in type, an enum or a supported collection",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void MethodIdCollision_MessageNamesBothMethods()
    {
        var (result, _) = GeneratorHarness.Run("public interface IA : IGrainWithStringKey { Task M15119(); Task M203802(); }");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(
            "Grain methods 'M15119()' and 'M203802()' of 'IA' hash to the same method id 0x5b179640; rename one of them",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void InvalidInterface_GetsNoProxyButValidOnesDo()
    {
        var (result, output) = GeneratorHarness.Run("""
            public interface IGood : IGrainWithStringKey { Task M(); }
            public interface IBad : IGrainWithStringKey { int M(); }
            """);

        Assert.Equal("AE0001", Assert.Single(result.Diagnostics).Id);
        Assert.Equal(["IGood.Grain.g.cs", "ActorEdgeGeneratedRegistration.g.cs"], result.GeneratedSources.Select(s => s.HintName));
        Assert.DoesNotContain(output.GetDiagnostics(TestContext.Current.CancellationToken), d => d.Severity == DiagnosticSeverity.Error);
    }
}
