using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ActorEdge.CodeGenerator.Model;

// Pipeline models: strings, numbers and equatable arrays only (never symbols or syntax), so
// the incremental pipeline can compare them between runs and skip unchanged work.

/// <summary>Where a diagnostic points, detached from the compilation.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public static LocationInfo? From(ISymbol symbol) => symbol.Locations.Length == 0 ? null : From(symbol.Locations[0]);
}

/// <summary>A diagnostic to report, detached from the compilation.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(GeneratorDiagnostics.ById(Id), Location?.ToLocation(), Arguments.ToArray<object>());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, ISymbol symbol, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(symbol), arguments.ToEquatableArray());
}

/// <summary>An expression that yields an <c>IFieldCodec&lt;T&gt;</c>.</summary>
/// <remarks>
/// <see cref="CompositeType"/>: for a composite codec (<c>new X&lt;...&gt;(...)</c>, cached in a static field), its type; else null.<br/>
/// </remarks>
internal sealed record CodecRef(string Expression, string? CompositeType)
{
    public bool IsComposite => CompositeType is not null;
}

/// <summary>How a grain method returns.</summary>
internal enum ReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>One parameter of a grain method.</summary>
/// <remarks>
/// <see cref="Type"/>: the declared type, fully qualified, with nullable annotations.<br/>
/// <see cref="Codec"/>: the codec, null for a <see cref="System.Threading.CancellationToken"/>.<br/>
/// <see cref="FieldId"/>: the argument's field id (its position among serialized arguments), -1 for a token.<br/>
/// </remarks>
internal sealed record ParameterModel(string Type, CodecRef? Codec, int FieldId)
{
    public bool IsCancellationToken => Codec is null;
}

/// <summary>One grain method, as seen from the interface that declares it.</summary>
internal sealed record MethodModel(
    string Name,
    string Signature,
    uint MethodId,
    string DeclaringInterface,
    uint DeclaringInterfaceId,
    ReturnKind ReturnKind,
    string? ResultType,
    CodecRef? ResultCodec,
    EquatableArray<ParameterModel> Parameters,
    bool OneWay,
    bool AlwaysInterleave,
    long? TimeoutTicks);

/// <summary>A grain interface: its proxy covers <see cref="AllMethods"/>, its invoker <see cref="OwnMethods"/>.</summary>
internal sealed record InterfaceModel(
    string FullName,
    string TypeName,
    string MangledName,
    uint InterfaceId,
    EquatableArray<MethodModel> OwnMethods,
    EquatableArray<MethodModel> AllMethods);

/// <summary>A constructor argument of a grain class.</summary>
/// <remarks>
/// <see cref="Type"/>: the parameter type (the service type, or the state type for persistent state).<br/>
/// <see cref="StateName"/>: the state name when the parameter is <c>[PersistentState]</c>, else null.<br/>
/// <see cref="StorageName"/>: the storage provider name of a persistent state, null for the default.<br/>
/// </remarks>
internal sealed record ConstructorArgument(string Type, string? StateName, string? StorageName);

/// <summary>A non-abstract grain class.</summary>
internal sealed record GrainClassModel(
    string FullName,
    string TypeName,
    string GrainType,
    EquatableArray<string> Interfaces,
    EquatableArray<ConstructorArgument> ConstructorArguments);

/// <summary>How the generated codec writes a member back into the value it builds.</summary>
internal enum MemberAssignment
{
    /// <summary>Assigned as it is read (mutable construction).</summary>
    Assign,
    /// <summary>Passed to the constructor.</summary>
    Constructor,
    /// <summary>Set in the object initializer after the constructor call.</summary>
    Initializer,
    /// <summary>Assigned after construction, only if it was present in the data.</summary>
    AssignIfPresent,
}

/// <summary>A serialized member of a <c>[GenerateSerializer]</c> type.</summary>
/// <remarks>
/// <see cref="DefaultValue"/>: for a constructor parameter with a default value: its C# literal, used when the field is missing.<br/>
/// </remarks>
internal sealed record MemberModel(
    uint Id,
    string Name,
    string Type,
    CodecRef Codec,
    MemberAssignment Assignment,
    string? DefaultValue);

/// <summary>A <c>[GenerateSerializer]</c> type.</summary>
/// <remarks>
/// <see cref="Members"/>: members in id order.<br/>
/// <see cref="ConstructorMembers"/>: indexes into <see cref="Members"/>, in constructor parameter order; empty when constructed with <c>new T()</c>.<br/>
/// <see cref="UsesConstructor"/>: whether the value is built after reading (true) or assigned while reading (false).<br/>
/// </remarks>
internal sealed record SerializerModel(
    string FullName,
    string TypeName,
    string MangledName,
    bool IsValueType,
    bool UsesConstructor,
    EquatableArray<MemberModel> Members,
    EquatableArray<int> ConstructorMembers);

/// <summary>What parsing one declaration produced: a model (null when it is invalid) and diagnostics.</summary>
internal sealed record ParseResult<T>(T? Model, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class;
