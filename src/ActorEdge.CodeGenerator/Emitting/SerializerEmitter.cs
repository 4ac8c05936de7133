using System.Globalization;
using ActorEdge.CodeGenerator.Model;

namespace ActorEdge.CodeGenerator.Emitting;

/// <summary>Emits the codec of a <c>[GenerateSerializer]</c> type.</summary>
internal static class SerializerEmitter
{
    private const string Serialization = "global::ActorEdge.Serialization.";

    public static string CodecName(SerializerModel model) => model.MangledName + "Codec";

    public static string Emit(SerializerModel model)
    {
        var fields = new CodecFields();
        var body = new CodeWriter(indent: 1);
        EmitWrite(body, model, fields);
        body.Line();
        EmitRead(body, model, fields);

        var writer = CodeWriter.StartFile();
        writer.Line($"/// <summary>Generated codec of <see cref=\"{model.TypeName}\"/>.</summary>")
            .Open($"internal sealed class {CodecName(model)} : {Serialization}IFieldCodec<{model.TypeName}>");
        if (!fields.IsEmpty)
        {
            fields.WriteTo(writer);
            writer.Line();
        }
        writer.Append(body).Close();
        return writer.ToString();
    }

    private static void EmitWrite(CodeWriter writer, SerializerModel model, CodecFields fields)
    {
        writer.Open($"public void Write(ref {Serialization}Writer writer, uint fieldId, {model.TypeName} value)");
        if (!model.IsValueType)
        {
            writer.Open("if (value is null)")
                .Line("writer.WriteNull(fieldId);")
                .Line("return;")
                .Close();
        }
        writer.Line("writer.WriteStartObject(fieldId);");
        foreach (var member in model.Members)
        {
            writer.Line($"{fields.Use(member.Codec)}.Write(ref writer, {Id(member)}, value.{member.Name});");
        }
        writer.Line("writer.WriteEndObject();")
            .Close();
    }

    private static void EmitRead(CodeWriter writer, SerializerModel model, CodecFields fields)
    {
        writer.Open($"public {model.TypeName} Read(ref {Serialization}Reader reader, {Serialization}WireType wireType)")
            .Open($"if (wireType == {Serialization}WireType.Null)")
            .Line("return default!;")
            .Close()
            .Line("reader.EnterObject(wireType);");

        if (!model.UsesConstructor)
        {
            // Members are assigned as they are read: one missing from older data keeps its initializer.
            writer.Line($"var result = new {model.TypeName}();");
            ReadLoop(writer, model, fields, m => $"result.{m.Name}");
            writer.Line("return result;").Close();
            return;
        }

        for (var i = 0; i < model.Members.Count; i++)
        {
            var member = model.Members[i];
            writer.Line($"{member.Type} m{i} = {member.DefaultValue ?? "default!"};");
            if (member.Assignment == MemberAssignment.AssignIfPresent)
            {
                writer.Line($"var has{i} = false;");
            }
        }
        ReadLoop(writer, model, fields, m => $"m{model.Members.ToList().IndexOf(m)}");

        var arguments = string.Join(", ", model.ConstructorMembers.Select(i => $"m{i}"));
        var initializers = model.Members
            .Select((m, i) => (Member: m, Index: i))
            .Where(x => x.Member.Assignment == MemberAssignment.Initializer)
            .Select(x => $"{x.Member.Name} = m{x.Index}")
            .ToList();
        writer.Line(initializers.Count == 0
            ? $"var result = new {model.TypeName}({arguments});"
            : $"var result = new {model.TypeName}({arguments}) {{ {string.Join(", ", initializers)} }};");
        for (var i = 0; i < model.Members.Count; i++)
        {
            if (model.Members[i].Assignment == MemberAssignment.AssignIfPresent)
            {
                // Only when present, so a member missing from older data keeps its initializer.
                writer.Open($"if (has{i})")
                    .Line($"result.{model.Members[i].Name} = m{i};")
                    .Close();
            }
        }
        writer.Line("return result;").Close();
    }

    private static void ReadLoop(CodeWriter writer, SerializerModel model, CodecFields fields, Func<MemberModel, string> target)
    {
        writer.Open("while (reader.TryReadFieldHeader(out var id, out var fieldWireType))")
            .Open("switch (id)");
        for (var i = 0; i < model.Members.Count; i++)
        {
            var member = model.Members[i];
            writer.Line($"case {Id(member)}:")
                .Line($"    {target(member)} = {fields.Use(member.Codec)}.Read(ref reader, fieldWireType);");
            if (member.Assignment == MemberAssignment.AssignIfPresent)
            {
                writer.Line($"    has{i} = true;");
            }
            writer.Line("    break;");
        }
        writer.Line("default:")
            .Line("    reader.SkipField(fieldWireType);")
            .Line("    break;")
            .Close()
            .Close();
    }

    private static string Id(MemberModel member) => member.Id.ToString(CultureInfo.InvariantCulture) + "u";
}
