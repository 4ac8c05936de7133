using System.Collections.Immutable;
using ActorEdge.CodeGenerator.Emitting;
using ActorEdge.CodeGenerator.Model;
using ActorEdge.CodeGenerator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ActorEdge.CodeGenerator;

/// <summary>
/// Generates, for the compilation it runs on: a proxy and an invoker for every grain interface,
/// a descriptor (grain type, interfaces, constructor call) for every grain class, a codec for
/// every <c>[GenerateSerializer]</c> type, and a module initializer that registers them all.
/// </summary>
/// <remarks>
/// Interface ids are FNV-1a of the interface's full name (<c>Ns.Outer.IInner</c>); method ids
/// are FNV-1a of <c>Name(T1,T2)</c> with fully qualified parameter types without <c>global::</c>,
/// so they match <c>ActorEdge.Invocation.StableHash</c> in every process.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class ActorEdgeGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the grain interface models (for incrementality tests).</summary>
    public const string InterfacesStep = "ActorEdge.Interfaces";

    /// <summary>Tracking name of the grain class models.</summary>
    public const string GrainClassesStep = "ActorEdge.GrainClasses";

    /// <summary>Tracking name of the serializer models.</summary>
    public const string SerializersStep = "ActorEdge.Serializers";

    private const string GenerateSerializerAttribute = "ActorEdge.Serialization.GenerateSerializerAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var interfaces = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is InterfaceDeclarationSyntax { BaseList.Types.Count: > 0 },
                static (ctx, ct) => ParseInterface(ctx, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(InterfacesStep);

        var grainClasses = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax { BaseList.Types.Count: > 0 },
                static (ctx, ct) => ParseGrainClass(ctx, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(GrainClassesStep);

        var serializers = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                GenerateSerializerAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => SerializerParser.Parse((INamedTypeSymbol)ctx.TargetSymbol))
            .WithTrackingName(SerializersStep);

        context.RegisterSourceOutput(interfaces, static (spc, result) =>
        {
            Report(spc, result.Diagnostics);
            if (result.Model is { } model)
            {
                spc.AddSource($"{model.MangledName}.Grain.g.cs", InterfaceEmitter.Emit(model));
            }
        });
        context.RegisterSourceOutput(grainClasses, static (spc, result) => Report(spc, result.Diagnostics));
        context.RegisterSourceOutput(serializers, static (spc, result) =>
        {
            Report(spc, result.Diagnostics);
            if (result.Model is { } model)
            {
                spc.AddSource($"{model.MangledName}.Codec.g.cs", SerializerEmitter.Emit(model));
            }
        });

        var interfaceModels = interfaces.Select(static (r, _) => r.Model).Where(static m => m is not null).Select(static (m, _) => m!).Collect();
        var classModels = grainClasses.Select(static (r, _) => r.Model).Where(static m => m is not null).Select(static (m, _) => m!).Collect();
        var serializerModels = serializers.Select(static (r, _) => r.Model).Where(static m => m is not null).Select(static (m, _) => m!).Collect();
        var all = interfaceModels.Combine(classModels).Combine(serializerModels)
            .Select(static (x, _) => new Registrations(x.Left.Left.ToEquatableArray(), x.Left.Right.ToEquatableArray(), x.Right.ToEquatableArray()));
        context.RegisterSourceOutput(all, static (spc, registrations) =>
        {
            if (registrations.Interfaces.Count + registrations.GrainClasses.Count + registrations.Serializers.Count == 0)
            {
                return;
            }
            spc.AddSource(
                $"{RegistrationEmitter.ClassName}.g.cs",
                RegistrationEmitter.Emit(
                    registrations.Interfaces.ToImmutableArray(),
                    registrations.GrainClasses.ToImmutableArray(),
                    registrations.Serializers.ToImmutableArray()));
        });
    }

    private static ParseResult<InterfaceModel>? ParseInterface(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not INamedTypeSymbol symbol
            || !Symbols.IsGrainInterface(symbol)
            || !IsFirstDeclaration(symbol, context.Node))
        {
            return null;
        }
        return InterfaceParser.Parse(symbol);
    }

    private static ParseResult<GrainClassModel>? ParseGrainClass(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not INamedTypeSymbol symbol
            || symbol.IsAbstract
            || !Symbols.IsGrainClass(symbol)
            || !IsFirstDeclaration(symbol, context.Node))
        {
            return null;
        }
        return GrainClassParser.Parse(symbol);
    }

    /// <summary>A partial type is parsed once, at its first declaration.</summary>
    private static bool IsFirstDeclaration(INamedTypeSymbol symbol, SyntaxNode node) =>
        symbol.DeclaringSyntaxReferences.Length <= 1 || symbol.DeclaringSyntaxReferences[0].GetSyntax() == node;

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    private sealed record Registrations(
        EquatableArray<InterfaceModel> Interfaces,
        EquatableArray<GrainClassModel> GrainClasses,
        EquatableArray<SerializerModel> Serializers);
}
