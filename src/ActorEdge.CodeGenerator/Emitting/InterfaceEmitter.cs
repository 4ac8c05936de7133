using System.Globalization;
using ActorEdge.CodeGenerator.Model;

namespace ActorEdge.CodeGenerator.Emitting;

/// <summary>Emits the proxy and the invoker of a grain interface.</summary>
internal static class InterfaceEmitter
{
    private const string Invocation = "global::ActorEdge.Invocation.";
    private const string Serialization = "global::ActorEdge.Serialization.";
    private const string Tasks = "global::System.Threading.Tasks.";

    public static string ProxyName(InterfaceModel model) => model.MangledName + "Proxy";

    public static string InvokerName(InterfaceModel model) => model.MangledName + "Invoker";

    public static string Emit(InterfaceModel model)
    {
        var writer = CodeWriter.StartFile();
        EmitProxy(writer, model);
        writer.Line();
        EmitInvoker(writer, model);
        return writer.ToString();
    }

    private static void EmitProxy(CodeWriter writer, InterfaceModel model)
    {
        var fields = new CodecFields();
        var body = new CodeWriter(indent: 1);
        body.Line($"public {ProxyName(model)}({Invocation}IGrainCallRuntime runtime, global::ActorEdge.GrainId grainId)")
            .Line("    : base(runtime, grainId)")
            .Line("{")
            .Line("}")
            .Line()
            .Line($"/// <summary>The interface id: FNV-1a of {XmlEscape(model.FullName)}.</summary>")
            .Line($"public const uint Id = {Hex(model.InterfaceId)};");
        foreach (var method in model.OwnMethods)
        {
            body.Line($"/// <summary>The method id of {XmlEscape(method.Signature)}.</summary>")
                .Line($"public const uint {MethodConstant(model, method)} = {Hex(method.MethodId)};");
        }
        body.Line()
            .Line("public override uint InterfaceId => Id;");

        foreach (var method in model.AllMethods)
        {
            body.Line();
            EmitProxyMethod(body, method, fields);
        }

        writer.Line($"/// <summary>Generated proxy of <see cref=\"{Cref(model.TypeName)}\"/>.</summary>")
            .Open($"internal sealed class {ProxyName(model)} : {Invocation}GrainReference, {model.TypeName}");
        if (!fields.IsEmpty)
        {
            fields.WriteTo(writer);
            writer.Line();
        }
        writer.Append(body).Close();
    }

    private static void EmitProxyMethod(CodeWriter writer, MethodModel method, CodecFields fields)
    {
        var parameters = string.Join(", ", method.Parameters.Select((p, i) => $"{p.Type} arg{i}"));
        writer.Open($"{ReturnType(method)} {method.DeclaringInterface}.{EscapeIdentifier(method.Name)}({parameters})");

        var options = new List<string>();
        if (method.OneWay)
        {
            options.Add($"{Invocation}InvokeMethodOptions.OneWay");
        }
        if (method.AlwaysInterleave)
        {
            options.Add($"{Invocation}InvokeMethodOptions.AlwaysInterleave");
        }
        if (options.Count == 0)
        {
            options.Add($"{Invocation}InvokeMethodOptions.None");
        }
        writer.Line($"var request = Runtime.CreateRequest(this, {Hex(method.DeclaringInterfaceId)}, {Hex(method.MethodId)}, {string.Join(" | ", options)});");

        if (method.Parameters.Any(p => !p.IsCancellationToken))
        {
            writer.Line($"var writer = new {Serialization}Writer(request.Arguments);");
            for (var i = 0; i < method.Parameters.Count; i++)
            {
                var parameter = method.Parameters[i];
                if (parameter.Codec is { } codec)
                {
                    writer.Line($"{fields.Use(codec)}.Write(ref writer, {Unsigned(parameter.FieldId)}, arg{i});");
                }
            }
            writer.Line("writer.Commit();");
        }
        for (var i = 0; i < method.Parameters.Count; i++)
        {
            if (method.Parameters[i].IsCancellationToken)
            {
                writer.Line($"request.CancellationToken = arg{i};");
            }
        }
        if (method.TimeoutTicks is { } ticks)
        {
            writer.Line($"request.Timeout = global::System.TimeSpan.FromTicks({ticks.ToString(CultureInfo.InvariantCulture)}L);");
        }

        if (method.OneWay)
        {
            writer.Line("Runtime.InvokeOneWay(request);");
            writer.Line(method.ReturnKind == ReturnKind.ValueTask ? "return default;" : $"return {Tasks}Task.CompletedTask;");
        }
        else
        {
            var call = method.ResultCodec is { } resultCodec
                ? $"Runtime.InvokeAsync<{method.ResultType}>(request, {fields.Use(resultCodec)})"
                : "Runtime.InvokeAsync(request)";
            writer.Line(method.ReturnKind switch
            {
                ReturnKind.ValueTask => $"return new {Tasks}ValueTask({call});",
                ReturnKind.ValueTaskOfT => $"return new {Tasks}ValueTask<{method.ResultType}>({call});",
                _ => $"return {call};",
            });
        }
        writer.Close();
    }

    private static void EmitInvoker(CodeWriter writer, InterfaceModel model)
    {
        var fields = new CodecFields();
        var body = new CodeWriter(indent: 1);
        var proxy = ProxyName(model);
        body.Line($"public uint InterfaceId => {proxy}.Id;")
            .Line()
            .Open($"public {Tasks}ValueTask Invoke(object grain, uint methodId, global::System.ReadOnlySpan<byte> arguments, {Invocation}IResponseSink response)")
            .Open("switch (methodId)");
        foreach (var method in model.OwnMethods)
        {
            body.Line($"case {proxy}.{MethodConstant(model, method)}:")
                .Line($"    return {InvokeMethodName(model, method)}(({model.TypeName})grain, arguments, response);");
        }
        body.Line("default:")
            .Line($"    throw new global::ActorEdge.GrainMethodNotFoundException($\"Grain interface {InterpolatedEscape(model.FullName)} (0x{model.InterfaceId.ToString("x8", CultureInfo.InvariantCulture)}) has no method with id 0x{{methodId:x8}}.\");")
            .Close()
            .Close();

        foreach (var method in model.OwnMethods)
        {
            body.Line();
            EmitInvokeMethod(body, model, method, fields);
        }

        writer.Line($"/// <summary>Generated invoker of the methods declared by <see cref=\"{Cref(model.TypeName)}\"/>.</summary>")
            .Open($"internal sealed class {InvokerName(model)} : {Invocation}IGrainMethodInvoker");
        if (!fields.IsEmpty)
        {
            fields.WriteTo(writer);
            writer.Line();
        }
        writer.Append(body).Close();
    }

    private static void EmitInvokeMethod(CodeWriter writer, InterfaceModel model, MethodModel method, CodecFields fields)
    {
        writer.Open($"private static {Tasks}ValueTask {InvokeMethodName(model, method)}({model.TypeName} grain, global::System.ReadOnlySpan<byte> arguments, {Invocation}IResponseSink response)");
        var serialized = method.Parameters.Where(p => !p.IsCancellationToken).ToList();
        if (serialized.Count != 0)
        {
            for (var i = 0; i < method.Parameters.Count; i++)
            {
                var parameter = method.Parameters[i];
                if (!parameter.IsCancellationToken)
                {
                    writer.Line($"{parameter.Type} arg{i} = default!;");
                }
            }
            writer.Line($"var reader = new {Serialization}Reader(arguments);")
                .Open("while (reader.TryReadFieldHeader(out var fieldId, out var wireType))")
                .Open("switch (fieldId)");
            for (var i = 0; i < method.Parameters.Count; i++)
            {
                if (method.Parameters[i] is { Codec: { } codec } parameter)
                {
                    writer.Line($"case {Unsigned(parameter.FieldId)}:")
                        .Line($"    arg{i} = {fields.Use(codec)}.Read(ref reader, wireType);")
                        .Line("    break;");
                }
            }
            writer.Line("default:")
                .Line("    reader.SkipField(wireType);")
                .Line("    break;")
                .Close()
                .Close();
        }

        var arguments = string.Join(", ", method.Parameters.Select((p, i) => p.IsCancellationToken ? "response.CancellationToken" : $"arg{i}"));
        var taskType = ReturnType(method);
        // A method that throws before returning its task fails the call like one whose task faults.
        writer.Line($"{taskType} task;")
            .Open("try")
            .Line($"task = grain.{EscapeIdentifier(method.Name)}({arguments});")
            .Close()
            .Open("catch (global::System.Exception exception)")
            .Line(method.ReturnKind switch
            {
                ReturnKind.Task => $"task = {Tasks}Task.FromException(exception);",
                ReturnKind.TaskOfT => $"task = {Tasks}Task.FromException<{method.ResultType}>(exception);",
                ReturnKind.ValueTask => $"task = new {Tasks}ValueTask({Tasks}Task.FromException(exception));",
                _ => $"task = new {Tasks}ValueTask<{method.ResultType}>({Tasks}Task.FromException<{method.ResultType}>(exception));",
            })
            .Close();
        writer.Line(method.ResultCodec is { } resultCodec
            ? $"return response.Complete<{method.ResultType}>(task, {fields.Use(resultCodec)});"
            : "return response.Complete(task);");
        writer.Close();
    }

    private static string ReturnType(MethodModel method) => method.ReturnKind switch
    {
        ReturnKind.Task => $"{Tasks}Task",
        ReturnKind.TaskOfT => $"{Tasks}Task<{method.ResultType}>",
        ReturnKind.ValueTask => $"{Tasks}ValueTask",
        _ => $"{Tasks}ValueTask<{method.ResultType}>",
    };

    private static string MethodConstant(InterfaceModel model, MethodModel method) =>
        $"Method{model.OwnMethods.ToList().IndexOf(method).ToString(CultureInfo.InvariantCulture)}_{method.Name}";

    private static string InvokeMethodName(InterfaceModel model, MethodModel method) => "Invoke" + MethodConstant(model, method);

    internal static string Hex(uint value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture) + "u";

    private static string Unsigned(int value) => value.ToString(CultureInfo.InvariantCulture) + "u";

    private static string EscapeIdentifier(string name) => Parsing.Symbols.Identifier(name);

    private static string XmlEscape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string InterpolatedEscape(string text) =>
        text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("{", "{{").Replace("}", "}}");

    private static string Cref(string typeName) => typeName.Replace("<", "{").Replace(">", "}");
}
