using ActorEdge.CodeGenerator.Model;
using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator.Parsing;

/// <summary>Turns a grain class symbol into a <see cref="GrainClassModel"/> and its diagnostics.</summary>
internal static class GrainClassParser
{
    private const string GrainSuffix = "Grain";

    public static ParseResult<GrainClassModel> Parse(INamedTypeSymbol type)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var fullName = type.ToStableName();
        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.GenericType, type, fullName));
            return new ParseResult<GrainClassModel>(null, diagnostics.ToEquatableArray());
        }
        if (!Symbols.IsAccessibleFromAssembly(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.Inaccessible, type, "Grain class", fullName));
            return new ParseResult<GrainClassModel>(null, diagnostics.ToEquatableArray());
        }

        var constructor = ChooseConstructor(type, diagnostics);
        if (constructor is null)
        {
            return new ParseResult<GrainClassModel>(null, diagnostics.ToEquatableArray());
        }

        var arguments = new List<ConstructorArgument>();
        foreach (var parameter in constructor.Parameters)
        {
            var state = parameter.FindAttribute("ActorEdge", "PersistentStateAttribute");
            if (state is not null
                && parameter.Type is INamedTypeSymbol stateType
                && stateType.Is("ActorEdge", "IPersistentState`1")
                && state.ConstructorArguments.Length >= 1)
            {
                var stateName = state.ConstructorArguments[0].Value as string ?? string.Empty;
                var storageName = state.ConstructorArguments.Length > 1 ? state.ConstructorArguments[1].Value as string : null;
                arguments.Add(new ConstructorArgument(stateType.TypeArguments[0].ToQualified(), stateName, storageName));
            }
            else
            {
                arguments.Add(new ConstructorArgument(parameter.Type.ToQualified(), null, null));
            }
        }

        var interfaces = new List<string>();
        foreach (var i in type.AllInterfaces)
        {
            if (Symbols.IsGrainInterface(i))
            {
                interfaces.Add(i.ToQualified());
            }
        }

        var model = new GrainClassModel(
            fullName,
            type.ToQualified(),
            GrainTypeName(type),
            interfaces.ToEquatableArray(),
            arguments.ToEquatableArray());
        return new ParseResult<GrainClassModel>(model, diagnostics.ToEquatableArray());
    }

    /// <summary>[GrainType("x")] if present, else the class name in lower case without a trailing "Grain".</summary>
    private static string GrainTypeName(INamedTypeSymbol type)
    {
        if (type.FindAttribute("ActorEdge", "GrainTypeAttribute") is { ConstructorArguments.Length: 1 } attribute
            && attribute.ConstructorArguments[0].Value is string explicitName)
        {
            return explicitName;
        }
        var name = type.Name;
        if (name.Length > GrainSuffix.Length && name.EndsWith(GrainSuffix, StringComparison.Ordinal))
        {
            name = name.Substring(0, name.Length - GrainSuffix.Length);
        }
        return name.ToLowerInvariant();
    }

    /// <summary>The public constructor with the most parameters (internal ones if none is public).</summary>
    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var candidates = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        if (candidates.Count == 0)
        {
            candidates = type.InstanceConstructors.Where(c => Symbols.IsUsableAccessibility(c.DeclaredAccessibility)).ToList();
        }
        if (candidates.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.Inaccessible, type, "The constructor of grain class", type.ToStableName()));
            return null;
        }

        var most = candidates.Max(c => c.Parameters.Length);
        var best = candidates.Where(c => c.Parameters.Length == most).ToList();
        if (best.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                GeneratorDiagnostics.AmbiguousConstructor, best[1], type.ToStableName(), most.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }
        return best[0];
    }
}
