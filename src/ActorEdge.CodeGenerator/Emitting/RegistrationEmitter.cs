using System.Collections.Immutable;
using ActorEdge.CodeGenerator.Model;

namespace ActorEdge.CodeGenerator.Emitting;

/// <summary>Emits the module initializer that registers everything generated in a compilation.</summary>
internal static class RegistrationEmitter
{
    public const string ClassName = "ActorEdgeGeneratedRegistration";

    private const string Invocation = "global::ActorEdge.Invocation.";

    public static string Emit(
        ImmutableArray<InterfaceModel> interfaces,
        ImmutableArray<GrainClassModel> grainClasses,
        ImmutableArray<SerializerModel> serializers)
    {
        var writer = CodeWriter.StartFile();
        writer.Line("#pragma warning disable CA2255 // a module initializer is how generated code registers itself")
            .Line()
            .Line("/// <summary>Registers the proxies, invokers, grain classes and codecs generated for this assembly.</summary>")
            .Open($"internal static class {ClassName}")
            .Line("/// <summary>Runs when the module loads (or when the registry asks for it).</summary>")
            .Line("[global::System.Runtime.CompilerServices.ModuleInitializer]")
            .Open("internal static void Register()");

        foreach (var model in interfaces.OrderBy(m => m.FullName, StringComparer.Ordinal))
        {
            writer.Line($"{Invocation}GrainCodeRegistry.AddInterface(new {Invocation}GrainInterfaceDescriptor(")
                .Line($"    typeof({model.TypeName}),")
                .Line($"    {InterfaceEmitter.Hex(model.InterfaceId)},")
                .Line($"    static (runtime, grainId) => new {InterfaceEmitter.ProxyName(model)}(runtime, grainId),")
                .Line($"    new {InterfaceEmitter.InvokerName(model)}(),")
                .Line($"    {MethodNames(model)}));");
        }

        foreach (var model in grainClasses.OrderBy(m => m.FullName, StringComparer.Ordinal))
        {
            var interfaceTypes = model.Interfaces.Count == 0
                ? "global::System.Type.EmptyTypes"
                : $"new global::System.Type[] {{ {string.Join(", ", model.Interfaces.Select(i => $"typeof({i})"))} }}";
            var arguments = string.Join(", ", model.ConstructorArguments.Select(Argument));
            writer.Line($"{Invocation}GrainCodeRegistry.AddGrainClass(new {Invocation}GrainClassDescriptor(")
                .Line($"    typeof({model.TypeName}),")
                .Line($"    {Literal(model.GrainType)},")
                .Line($"    {interfaceTypes},")
                .Line($"    static context => new {model.TypeName}({arguments})));");
        }

        foreach (var model in serializers.OrderBy(m => m.FullName, StringComparer.Ordinal))
        {
            writer.Line($"global::ActorEdge.Serialization.Codec<{model.TypeName}>.Register(new {SerializerEmitter.CodecName(model)}());");
        }

        writer.Close().Close();
        return writer.ToString();
    }

    // Names of the interface's own methods by id, for the runtime's logs and metrics.
    private static string MethodNames(InterfaceModel model) =>
        model.OwnMethods.Count == 0
            ? "null"
            : "new global::System.Collections.Generic.Dictionary<uint, string> { "
                + string.Join(", ", model.OwnMethods.Select(m => $"[{InterfaceEmitter.Hex(m.MethodId)}] = {Literal(m.Name)}"))
                + " }";

    private static string Argument(ConstructorArgument argument) =>
        argument.StateName is { } stateName
            ? $"context.GetPersistentState<{argument.Type}>({Literal(stateName)}, {(argument.StorageName is { } storage ? Literal(storage) : "null")})"
            : $"{Invocation}GrainActivation.GetService<{argument.Type}>(context)";

    private static string Literal(string value) =>
        Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
}
