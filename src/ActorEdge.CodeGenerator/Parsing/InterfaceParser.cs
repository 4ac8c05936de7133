using System.Globalization;
using ActorEdge.CodeGenerator.Model;
using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator.Parsing;

/// <summary>Turns a grain interface symbol into an <see cref="InterfaceModel"/> and its diagnostics.</summary>
internal static class InterfaceParser
{
    public static ParseResult<InterfaceModel> Parse(INamedTypeSymbol type)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var fullName = type.ToStableName();

        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.GenericType, type, fullName));
            return Result(null, diagnostics);
        }
        if (!Symbols.IsAccessibleFromAssembly(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.Inaccessible, type, "Grain interface", fullName));
            return Result(null, diagnostics);
        }

        var interfaceId = Symbols.Fnv1a(fullName);
        var ownMethods = ParseOwnMethods(type, interfaceId, diagnostics);

        // The proxy implements every method of the interface and of its base grain interfaces;
        // inherited methods keep the id of the interface that declares them.
        var allMethods = new List<MethodModel>(ownMethods);
        foreach (var baseInterface in type.AllInterfaces)
        {
            if (Symbols.IsGrainMarker(baseInterface))
            {
                continue;
            }
            if (!Symbols.IsGrainInterface(baseInterface))
            {
                // The proxy could not implement such members: they have no interface id and no invoker.
                if (!baseInterface.GetMembers().IsEmpty && type.Interfaces.Contains(baseInterface, SymbolEqualityComparer.Default))
                {
                    diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.NonGrainBaseInterface, type, fullName, baseInterface.ToStableName()));
                    return Result(null, diagnostics);
                }
                if (!baseInterface.GetMembers().IsEmpty)
                {
                    return Result(null, diagnostics);
                }
                continue;
            }
            if (baseInterface.IsGenericType)
            {
                continue;
            }
            // Problems in a base interface are reported where it is declared; this one is then not generated.
            var baseDiagnostics = new List<DiagnosticInfo>();
            allMethods.AddRange(ParseOwnMethods(baseInterface, Symbols.Fnv1a(baseInterface.ToStableName()), baseDiagnostics));
            if (baseDiagnostics.Count != 0)
            {
                return Result(null, diagnostics);
            }
        }

        var model = new InterfaceModel(
            fullName,
            type.ToQualified(),
            Symbols.Mangle(fullName),
            interfaceId,
            ownMethods.ToEquatableArray(),
            allMethods.ToEquatableArray());
        return Result(diagnostics.Count == 0 ? model : null, diagnostics);
    }

    private static List<MethodModel> ParseOwnMethods(INamedTypeSymbol type, uint interfaceId, List<DiagnosticInfo> diagnostics)
    {
        var methods = new List<MethodModel>();
        var byId = new Dictionary<uint, string>();
        foreach (var member in type.GetMembers())
        {
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method when !method.IsStatic:
                    if (ParseMethod(method, type, interfaceId, diagnostics) is { } model)
                    {
                        if (byId.TryGetValue(model.MethodId, out var existing))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(
                                GeneratorDiagnostics.MethodIdCollision, method, existing, model.Signature, type.ToStableName(), $"0x{model.MethodId:x8}"));
                            continue;
                        }
                        byId.Add(model.MethodId, model.Signature);
                        methods.Add(model);
                    }
                    break;
                case IPropertySymbol property when !property.IsStatic:
                    diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.NonMethodMember, property, property.Name, property.IsIndexer ? "indexer" : "property"));
                    break;
                case IEventSymbol @event when !@event.IsStatic:
                    diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.NonMethodMember, @event, @event.Name, "event"));
                    break;
            }
        }
        return methods;
    }

    private static MethodModel? ParseMethod(IMethodSymbol method, INamedTypeSymbol declaringType, uint interfaceId, List<DiagnosticInfo> diagnostics)
    {
        var errors = diagnostics.Count;
        var name = method.Name;

        if (method.IsGenericMethod)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.GenericMethod, method, name));
        }

        var returnType = method.ReturnType;
        ReturnKind kind;
        ITypeSymbol? resultType = null;
        if (returnType.Is("System.Threading.Tasks", "Task"))
        {
            kind = ReturnKind.Task;
        }
        else if (returnType.Is("System.Threading.Tasks", "ValueTask"))
        {
            kind = ReturnKind.ValueTask;
        }
        else if (returnType.Is("System.Threading.Tasks", "Task`1"))
        {
            kind = ReturnKind.TaskOfT;
            resultType = ((INamedTypeSymbol)returnType).TypeArguments[0];
        }
        else if (returnType.Is("System.Threading.Tasks", "ValueTask`1"))
        {
            kind = ReturnKind.ValueTaskOfT;
            resultType = ((INamedTypeSymbol)returnType).TypeArguments[0];
        }
        else
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidReturnType, method, name, returnType.ToDisplayString()));
            kind = ReturnKind.Task;
        }

        var oneWay = method.HasAttribute("ActorEdge", "OneWayAttribute");
        if (oneWay && resultType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.OneWayWithResult, method, name, returnType.ToDisplayString()));
        }

        CodecRef? resultCodec = null;
        if (resultType is not null && !method.IsGenericMethod)
        {
            resultCodec = CodecResolver.Resolve(resultType, out var unsupported);
            if (resultCodec is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.NoCodec, method, unsupported!.ToDisplayString(), $"the result of grain method '{name}'"));
            }
        }

        var parameters = new List<ParameterModel>();
        var signatureTypes = new List<string>();
        var tokens = 0;
        var fieldId = 0;
        foreach (var parameter in method.Parameters)
        {
            signatureTypes.Add(parameter.Type.ToStableName());
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.ByRefParameter, parameter, parameter.Name, name, RefKindName(parameter.RefKind)));
                continue;
            }
            if (Symbols.IsCancellationToken(parameter.Type))
            {
                if (++tokens == 2)
                {
                    diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.MultipleCancellationTokens, parameter, name));
                }
                parameters.Add(new ParameterModel(parameter.Type.ToDeclaration(), null, -1));
                continue;
            }
            if (method.IsGenericMethod)
            {
                continue;
            }
            var codec = CodecResolver.Resolve(parameter.Type, out var unsupported);
            if (codec is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.NoCodec, parameter, unsupported!.ToDisplayString(), $"parameter '{parameter.Name}' of grain method '{name}'"));
                continue;
            }
            parameters.Add(new ParameterModel(parameter.Type.ToDeclaration(), codec, fieldId++));
        }

        long? timeoutTicks = null;
        if (method.FindAttribute("ActorEdge", "ResponseTimeoutAttribute") is { } timeoutAttribute
            && timeoutAttribute.ConstructorArguments.Length == 1)
        {
            var text = timeoutAttribute.ConstructorArguments[0].Value as string;
            if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeout) && timeout > TimeSpan.Zero)
            {
                timeoutTicks = timeout.Ticks;
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidTimeout, method, text ?? "null", name));
            }
        }

        if (diagnostics.Count != errors)
        {
            return null;
        }

        var signature = $"{name}({string.Join(",", signatureTypes)})";
        return new MethodModel(
            name,
            signature,
            Symbols.Fnv1a(signature),
            declaringType.ToQualified(),
            interfaceId,
            kind,
            resultType?.ToDeclaration(),
            resultCodec,
            parameters.ToEquatableArray(),
            oneWay,
            method.HasAttribute("ActorEdge", "AlwaysInterleaveAttribute"),
            timeoutTicks);
    }

    private static string RefKindName(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => "ref",
    };

    private static ParseResult<InterfaceModel> Result(InterfaceModel? model, List<DiagnosticInfo> diagnostics) =>
        new(model, diagnostics.ToEquatableArray());
}
