using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator;

/// <summary>The errors the generator reports. Each message says what is wrong and how to fix it.</summary>
internal static class GeneratorDiagnostics
{
    private const string Category = "ActorEdge";

    public static readonly DiagnosticDescriptor InvalidReturnType = Create(
        "AE0001",
        "Grain method has an unsupported return type",
        "Grain method '{0}' returns '{1}'; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>");

    public static readonly DiagnosticDescriptor ByRefParameter = Create(
        "AE0002",
        "Grain method parameter is passed by reference",
        "Parameter '{0}' of grain method '{1}' is passed by reference ({2}); grain calls copy their arguments, so remove the ref, out or in modifier");

    public static readonly DiagnosticDescriptor GenericMethod = Create(
        "AE0003",
        "Grain method is generic",
        "Grain method '{0}' is generic; grain methods cannot have type parameters, so use concrete types");

    public static readonly DiagnosticDescriptor GenericType = Create(
        "AE0004",
        "Generic grain interface, grain class or serializable type",
        "'{0}' is generic; the ActorEdge code generator does not support generic grain interfaces, grain classes or [GenerateSerializer] types, so use a non-generic type");

    public static readonly DiagnosticDescriptor NonMethodMember = Create(
        "AE0005",
        "Grain interface declares a property, event or indexer",
        "Grain interface member '{0}' is a {1}; grain interfaces may only declare methods, so replace it with a method returning Task<T>");

    public static readonly DiagnosticDescriptor OneWayWithResult = Create(
        "AE0006",
        "One-way grain method returns a value",
        "Grain method '{0}' is [OneWay] but returns '{1}'; a one-way call has no response, so return Task or ValueTask or remove [OneWay]");

    public static readonly DiagnosticDescriptor MultipleCancellationTokens = Create(
        "AE0007",
        "Grain method has more than one CancellationToken",
        "Grain method '{0}' has more than one CancellationToken parameter; keep exactly one");

    public static readonly DiagnosticDescriptor NoCodec = Create(
        "AE0008",
        "Type has no codec",
        "'{0}' has no codec (needed by {1}); add [GenerateSerializer] to '{0}' and [Id(n)] to its members, or use a built-in type, an enum or a supported collection");

    public static readonly DiagnosticDescriptor DuplicateId = Create(
        "AE0009",
        "Duplicate serialization id",
        "Member '{0}' of '{1}' has [Id({2})], which '{3}' already uses; give every serialized member of the type and its base classes a distinct id");

    public static readonly DiagnosticDescriptor NotConstructible = Create(
        "AE0010",
        "Serializable type cannot be constructed",
        "[GenerateSerializer] type '{0}' cannot be constructed: {1}; add an accessible parameterless constructor with settable members, or a constructor whose parameters are named like its [Id] members");

    public static readonly DiagnosticDescriptor MethodIdCollision = Create(
        "AE0011",
        "Grain method ids collide",
        "Grain methods '{0}' and '{1}' of '{2}' hash to the same method id {3}; rename one of them");

    public static readonly DiagnosticDescriptor AmbiguousConstructor = Create(
        "AE0012",
        "Grain class constructor is ambiguous",
        "Grain class '{0}' has several public constructors with {1} parameters; keep a single constructor with the most parameters so the runtime knows which one to call");

    public static readonly DiagnosticDescriptor Inaccessible = Create(
        "AE0013",
        "Generated code cannot access a type or member",
        "{0} '{1}' is not accessible to generated code; make it public or internal");

    public static readonly DiagnosticDescriptor InvalidTimeout = Create(
        "AE0014",
        "Response timeout is invalid",
        "[ResponseTimeout(\"{0}\")] on grain method '{1}' is not a positive TimeSpan; write it like \"00:00:05\"");

    public static readonly DiagnosticDescriptor NonGrainBaseInterface = Create(
        "AE0015",
        "Grain interface extends an interface with members that is not a grain interface",
        "Grain interface '{0}' extends '{1}', which declares members but is not a grain interface; derive '{1}' from a grain interface or stop extending it");

    private static readonly Dictionary<string, DiagnosticDescriptor> Descriptors = new[]
    {
        InvalidReturnType, ByRefParameter, GenericMethod, GenericType, NonMethodMember, OneWayWithResult,
        MultipleCancellationTokens, NoCodec, DuplicateId, NotConstructible, MethodIdCollision,
        AmbiguousConstructor, Inaccessible, InvalidTimeout, NonGrainBaseInterface,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => Descriptors[id];

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
