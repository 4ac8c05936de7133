using System.Runtime.ExceptionServices;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// Carries an exception across the wire as its type name, message and stack trace, and
/// recreates it at the caller with the same type when that type can be constructed from a
/// message (else as <see cref="RemoteGrainException"/>), keeping the remote stack trace.
/// </summary>
internal static class ExceptionCodec
{
    private const uint TypeField = 1, MessageField = 2, StackField = 3, StoredEtagField = 4, CurrentEtagField = 5;

    public static PooledBuffer Encode(Exception exception)
    {
        var buffer = new PooledBuffer(512);
        var w = new Writer(buffer);
        var type = exception.GetType();
        w.WriteFieldHeader(TypeField, WireType.LengthPrefixed);
        w.WriteUtf8(type.AssemblyQualifiedName ?? type.FullName ?? type.Name);
        w.WriteFieldHeader(MessageField, WireType.LengthPrefixed);
        w.WriteUtf8(exception is InconsistentStateException ? RawMessage(exception) : exception.Message);
        if (exception.StackTrace is { } stack)
        {
            w.WriteFieldHeader(StackField, WireType.LengthPrefixed);
            w.WriteUtf8(stack);
        }
        if (exception is InconsistentStateException inconsistent)
        {
            WriteOptional(ref w, StoredEtagField, inconsistent.StoredEtag);
            WriteOptional(ref w, CurrentEtagField, inconsistent.CurrentEtag);
        }
        w.Commit();
        return buffer;
    }

    public static Exception Decode(ReadOnlySpan<byte> payload)
    {
        string typeName = "System.Exception", message = string.Empty;
        string? stack = null, storedEtag = null, currentEtag = null;
        try
        {
            var r = new Reader(payload);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case TypeField: typeName = r.ReadUtf8(); break;
                    case MessageField: message = r.ReadUtf8(); break;
                    case StackField: stack = r.ReadUtf8(); break;
                    case StoredEtagField: storedEtag = r.ReadUtf8(); break;
                    case CurrentEtagField: currentEtag = r.ReadUtf8(); break;
                    default: r.SkipField(wireType); break;
                }
            }
        }
        catch (SerializationException e)
        {
            return new GrainException("The callee failed, and its exception could not be decoded.", e);
        }

        var exception = Create(typeName, message, storedEtag, currentEtag);
        if (stack is not null)
        {
            try
            {
                ExceptionDispatchInfo.SetRemoteStackTrace(exception, stack);
            }
            catch (InvalidOperationException)
            {
                // An exception that already carries a stack trace keeps its own.
            }
        }
        return exception;
    }

    private static Exception Create(string typeName, string message, string? storedEtag, string? currentEtag)
    {
        var type = Type.GetType(typeName, throwOnError: false);
        if (type == typeof(InconsistentStateException))
        {
            return new InconsistentStateException(message, storedEtag, currentEtag);
        }
        if (type is not null && typeof(Exception).IsAssignableFrom(type))
        {
            // Exception types are recreated from their message: (string), or (string, Exception? inner).
            try
            {
                if (type.GetConstructor([typeof(string)]) is { } withMessage)
                {
                    return (Exception)withMessage.Invoke([message]);
                }
                if (type.GetConstructor([typeof(string), typeof(Exception)]) is { } withInner)
                {
                    return (Exception)withInner.Invoke([message, null]);
                }
            }
            catch (System.Reflection.TargetInvocationException)
            {
                // Fall through to the generic form.
            }
        }
        var shortName = typeName.Split(',')[0];
        return new RemoteGrainException(shortName, message);
    }

    private static string RawMessage(Exception exception)
    {
        // InconsistentStateException composes its message from the ETags; send the part before them.
        var message = exception.Message;
        var cut = message.LastIndexOf(" (stored ETag:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static void WriteOptional(ref Writer w, uint field, string? value)
    {
        if (value is not null)
        {
            w.WriteFieldHeader(field, WireType.LengthPrefixed);
            w.WriteUtf8(value);
        }
    }
}
