using System.Text;
using Microsoft.CodeAnalysis;

namespace ActorEdge.CodeGenerator.Parsing;

/// <summary>Symbol helpers shared by the parsers: well-known types, display formats, names and ids.</summary>
internal static class Symbols
{
    /// <summary>Fully qualified (<c>global::</c>) with nullable reference annotations: for declarations.</summary>
    public static readonly SymbolDisplayFormat Declaration =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Fully qualified (<c>global::</c>) without nullable reference annotations: for type arguments and typeof.</summary>
    public static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat;

    private const string GlobalPrefix = "global::";

    /// <summary>The name written in generated code, without nullable annotations.</summary>
    public static string ToQualified(this ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(Qualified);

    /// <summary>The name written in generated declarations, with nullable annotations.</summary>
    public static string ToDeclaration(this ITypeSymbol type) => type.ToDisplayString(Declaration);

    /// <summary>The name that ids hash: fully qualified without <c>global::</c> (<c>Ns.Outer.IInner</c>, <c>System.Collections.Generic.List&lt;int&gt;</c>).</summary>
    public static string ToStableName(this ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(Qualified).Replace(GlobalPrefix, string.Empty);

    /// <summary>A C# identifier made of the type's full name (<c>Ns.Outer.IInner</c> becomes <c>Ns_Outer_IInner</c>).</summary>
    public static string Mangle(string fullName)
    {
        var builder = new StringBuilder(fullName.Length);
        foreach (var c in fullName)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }
        return builder.ToString();
    }

    /// <summary>FNV-1a (32 bits) over UTF-16 code units: the same as <c>ActorEdge.Invocation.StableHash.Fnv1a</c>.</summary>
    public static uint Fnv1a(string value)
    {
        var hash = 2166136261;
        foreach (var c in value)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }
        return hash;
    }

    public static bool Is(this ITypeSymbol? type, string containingNamespace, string metadataName) =>
        type is INamedTypeSymbol named
        && named.MetadataName == metadataName
        && named.ContainingType is null
        && named.ContainingNamespace?.ToDisplayString() == containingNamespace;

    public static bool IsGrainMarker(INamedTypeSymbol type) =>
        type.Is("ActorEdge", "IGrain")
        || type.Is("ActorEdge", "IGrainWithStringKey")
        || type.Is("ActorEdge", "IGrainWithGuidKey")
        || type.Is("ActorEdge", "IGrainWithIntegerKey")
        || type.Is("ActorEdge", "IAddressable");

    /// <summary>Whether <paramref name="type"/> is an interface extending <c>ActorEdge.IGrain</c>, other than the markers.</summary>
    public static bool IsGrainInterface(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Interface || IsGrainMarker(type))
        {
            return false;
        }
        foreach (var i in type.AllInterfaces)
        {
            if (i.Is("ActorEdge", "IGrain"))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether <paramref name="type"/> derives, directly or not, from <c>ActorEdge.Grain</c>.</summary>
    public static bool IsGrainClass(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.Is("ActorEdge", "Grain"))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsCancellationToken(ITypeSymbol type) => type.Is("System.Threading", "CancellationToken");

    public static AttributeData? FindAttribute(this ISymbol symbol, string containingNamespace, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass.Is(containingNamespace, metadataName))
            {
                return attribute;
            }
        }
        return null;
    }

    public static bool HasAttribute(this ISymbol symbol, string containingNamespace, string metadataName) =>
        symbol.FindAttribute(containingNamespace, metadataName) is not null;

    /// <summary>Whether code elsewhere in the same assembly can name <paramref name="symbol"/> (and its containing types).</summary>
    public static bool IsAccessibleFromAssembly(ISymbol symbol)
    {
        for (var current = symbol; current is not null && current is not INamespaceSymbol; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether a member or accessor with this accessibility may be used by generated code in its assembly.</summary>
    public static bool IsUsableAccessibility(Accessibility accessibility) =>
        accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    /// <summary>A C# identifier for <paramref name="name"/>, escaped if it is a keyword.</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
}
