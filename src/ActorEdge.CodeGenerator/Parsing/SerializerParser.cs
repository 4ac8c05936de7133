using ActorEdge.CodeGenerator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ActorEdge.CodeGenerator.Parsing;

/// <summary>Turns a <c>[GenerateSerializer]</c> type into a <see cref="SerializerModel"/> and its diagnostics.</summary>
internal static class SerializerParser
{
    private enum Settable
    {
        No,
        Init,
        Yes,
    }

    private sealed record Candidate(ISymbol Member, ITypeSymbol Type, uint Id, ISymbol Declaration);

    public static ParseResult<SerializerModel> Parse(INamedTypeSymbol type)
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
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.Inaccessible, type, "[GenerateSerializer] type", fullName));
            return Result(null, diagnostics);
        }

        var candidates = CollectMembers(type, diagnostics);
        var members = new List<(Candidate Candidate, CodecRef Codec, Settable Settable)>();
        foreach (var candidate in candidates)
        {
            var memberName = $"{candidate.Member.ContainingType.ToStableName()}.{candidate.Member.Name}";
            if (!IsReadable(candidate.Member))
            {
                diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.Inaccessible, candidate.Declaration, "Serialized member", memberName));
                continue;
            }
            var codec = CodecResolver.Resolve(candidate.Type, out var unsupported);
            if (codec is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.NoCodec, candidate.Declaration, unsupported!.ToDisplayString(), $"member '{memberName}'"));
                continue;
            }
            members.Add((candidate, codec, GetSettable(candidate.Member)));
        }
        if (diagnostics.Count != 0)
        {
            return Result(null, diagnostics);
        }

        members.Sort((a, b) => a.Candidate.Id.CompareTo(b.Candidate.Id));

        var hasParameterlessConstructor = type.IsValueType
            || type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && Symbols.IsUsableAccessibility(c.DeclaredAccessibility));
        var allSettable = members.All(m => m.Settable == Settable.Yes && !IsRequired(m.Candidate.Member));
        if (!type.IsAbstract && hasParameterlessConstructor && allSettable)
        {
            var assigned = members
                .Select(m => new MemberModel(m.Candidate.Id, Symbols.Identifier(m.Candidate.Member.Name), m.Candidate.Type.ToDeclaration(), m.Codec, MemberAssignment.Assign, null))
                .ToEquatableArray();
            return Result(new SerializerModel(fullName, type.ToQualified(), Symbols.Mangle(fullName), type.IsValueType, false, assigned, EquatableArray<int>.Empty), diagnostics);
        }

        if (type.IsAbstract)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.NotConstructible, type, fullName, "it is abstract"));
            return Result(null, diagnostics);
        }

        var constructor = ChooseConstructor(type, members.Select(m => m.Candidate).ToList());
        if (constructor is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                GeneratorDiagnostics.NotConstructible, type, fullName, "no accessible constructor has parameters that all match [Id] members by name and type"));
            return Result(null, diagnostics);
        }

        var models = new List<MemberModel>();
        var constructorMembers = new List<int>();
        foreach (var parameter in constructor.Parameters)
        {
            constructorMembers.Add(members.FindIndex(m => Matches(parameter, m.Candidate)));
        }
        for (var i = 0; i < members.Count; i++)
        {
            var (candidate, codec, settable) = members[i];
            var position = constructorMembers.IndexOf(i);
            MemberAssignment assignment;
            string? defaultValue = null;
            if (position >= 0)
            {
                assignment = MemberAssignment.Constructor;
                defaultValue = DefaultValue(constructor.Parameters[position]);
            }
            else if (settable == Settable.Yes && !IsRequired(candidate.Member))
            {
                // Assigned only when present, so a member missing from older data keeps its initializer.
                assignment = MemberAssignment.AssignIfPresent;
            }
            else if (settable != Settable.No)
            {
                assignment = MemberAssignment.Initializer;
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.NotConstructible,
                    candidate.Declaration,
                    fullName,
                    $"member '{candidate.Member.Name}' is read-only and no constructor parameter sets it"));
                continue;
            }
            models.Add(new MemberModel(candidate.Id, Symbols.Identifier(candidate.Member.Name), candidate.Type.ToDeclaration(), codec, assignment, defaultValue));
        }
        if (diagnostics.Count != 0)
        {
            return Result(null, diagnostics);
        }
        return Result(
            new SerializerModel(fullName, type.ToQualified(), Symbols.Mangle(fullName), type.IsValueType, true, models.ToEquatableArray(), constructorMembers.ToEquatableArray()),
            diagnostics);
    }

    /// <summary>[Id] members of the type and its base classes, base classes first; reports duplicate ids.</summary>
    private static List<Candidate> CollectMembers(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            chain.Insert(0, current);
        }

        var result = new List<Candidate>();
        var byId = new Dictionary<uint, Candidate>();
        var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        void Add(ISymbol member, ITypeSymbol memberType, uint id, ISymbol declaration)
        {
            if (!seen.Add(member))
            {
                return;
            }
            var candidate = new Candidate(member, memberType, id, declaration);
            if (byId.TryGetValue(id, out var existing))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    GeneratorDiagnostics.DuplicateId,
                    declaration,
                    member.Name,
                    type.ToStableName(),
                    id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    existing.Member.Name));
                return;
            }
            byId.Add(id, candidate);
            result.Add(candidate);
        }

        foreach (var current in chain)
        {
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || member.HasAttribute("ActorEdge.Serialization", "NonSerializedMemberAttribute") || IdOf(member) is not { } id)
                {
                    continue;
                }
                switch (member)
                {
                    case IPropertySymbol { IsIndexer: false } property:
                        Add(property, property.Type, id, property);
                        break;
                    case IFieldSymbol { IsConst: false } field:
                        Add(field, field.Type, id, field);
                        break;
                }
            }

            // [Id] on a positional record parameter (or any constructor parameter) names the member of the same name.
            foreach (var constructor in current.InstanceConstructors)
            {
                foreach (var parameter in constructor.Parameters)
                {
                    if (IdOf(parameter) is not { } id || FindMember(current, parameter.Name) is not { } member)
                    {
                        continue;
                    }
                    if (member.HasAttribute("ActorEdge.Serialization", "NonSerializedMemberAttribute"))
                    {
                        continue;
                    }
                    Add(member, member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type, id, parameter);
                }
            }
        }
        return result;
    }

    private static ISymbol? FindMember(INamedTypeSymbol type, string name)
    {
        ISymbol? caseInsensitive = null;
        foreach (var member in type.GetMembers())
        {
            if (member.IsStatic || member is not (IPropertySymbol { IsIndexer: false } or IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false }))
            {
                continue;
            }
            if (member.Name == name)
            {
                return member;
            }
            if (string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                caseInsensitive ??= member;
            }
        }
        return caseInsensitive;
    }

    private static uint? IdOf(ISymbol symbol) =>
        symbol.FindAttribute("ActorEdge.Serialization", "IdAttribute") is { ConstructorArguments.Length: 1 } attribute
        && attribute.ConstructorArguments[0].Value is uint id
            ? id
            : null;

    private static bool IsReadable(ISymbol member) => member switch
    {
        IPropertySymbol property => property.GetMethod is { } getter && Symbols.IsUsableAccessibility(getter.DeclaredAccessibility),
        IFieldSymbol field => Symbols.IsUsableAccessibility(field.DeclaredAccessibility),
        _ => false,
    };

    private static Settable GetSettable(ISymbol member) => member switch
    {
        IPropertySymbol { SetMethod: { } setter } when Symbols.IsUsableAccessibility(setter.DeclaredAccessibility) =>
            setter.IsInitOnly ? Settable.Init : Settable.Yes,
        IFieldSymbol { IsReadOnly: false } => Settable.Yes,
        _ => Settable.No,
    };

    private static bool IsRequired(ISymbol member) => member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true };

    /// <summary>The accessible constructor with the most parameters, all of which match a member by name (case-insensitive) and type.</summary>
    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<Candidate> members)
    {
        IMethodSymbol? best = null;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (!Symbols.IsUsableAccessibility(constructor.DeclaredAccessibility)
                || (constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type))
                || !constructor.Parameters.All(p => p.RefKind == RefKind.None && members.Any(m => Matches(p, m))))
            {
                continue;
            }
            if (best is null || constructor.Parameters.Length > best.Parameters.Length)
            {
                best = constructor;
            }
        }
        return best;
    }

    private static bool Matches(IParameterSymbol parameter, Candidate member) =>
        string.Equals(parameter.Name, member.Member.Name, StringComparison.OrdinalIgnoreCase)
        && SymbolEqualityComparer.Default.Equals(
            parameter.Type.WithNullableAnnotation(NullableAnnotation.None),
            member.Type.WithNullableAnnotation(NullableAnnotation.None));

    /// <summary>The C# expression of a parameter's default value, used when its field is missing.</summary>
    private static string? DefaultValue(IParameterSymbol parameter)
    {
        if (!parameter.HasExplicitDefaultValue || parameter.ExplicitDefaultValue is null)
        {
            return null;
        }
        return $"({parameter.Type.ToDeclaration()})({SymbolDisplay.FormatPrimitive(parameter.ExplicitDefaultValue, quoteStrings: true, useHexadecimalNumbers: false)})";
    }

    private static ParseResult<SerializerModel> Result(SerializerModel? model, List<DiagnosticInfo> diagnostics) =>
        new(model, diagnostics.ToEquatableArray());
}
