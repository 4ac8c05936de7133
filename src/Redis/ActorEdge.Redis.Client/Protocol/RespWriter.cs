using System.Buffers.Text;
using System.Text;

namespace ActorEdge.Redis.Protocol;

/// <summary>Writes commands as RESP arrays of bulk strings.</summary>
internal static class RespWriter
{
    /// <summary>Writes <paramref name="command"/> followed by its arguments (a subcommand such as LOAD of SCRIPT LOAD is an argument).</summary>
    public static void WriteCommand(PooledBuffer output, ReadOnlySpan<byte> command, ReadOnlySpan<RedisArg> args)
    {
        WriteArrayHeader(output, 1 + args.Length);
        WriteBulk(output, command);
        WriteArgs(output, args);
    }

    /// <summary>Writes <paramref name="command"/> given as text (an uncommon command without a u8 literal at hand).</summary>
    public static void WriteCommand(PooledBuffer output, string command, ReadOnlySpan<RedisArg> args)
    {
        WriteArrayHeader(output, 1 + args.Length);
        WriteText(output, command);
        WriteArgs(output, args);
    }

    public static void WriteArgs(PooledBuffer output, ReadOnlySpan<RedisArg> args)
    {
        foreach (ref readonly var arg in args)
        {
            switch (arg.Kind)
            {
                case RedisArgKind.Bytes:
                    WriteBulk(output, arg.Bytes);
                    break;
                case RedisArgKind.Text:
                    WriteText(output, arg.Text);
                    break;
                default:
                    WriteInteger(output, arg.Integer);
                    break;
            }
        }
    }

    public static void WriteArrayHeader(PooledBuffer output, int count) => WritePrefixed(output, (byte)'*', count);

    public static void WriteBulk(PooledBuffer output, ReadOnlySpan<byte> value)
    {
        WritePrefixed(output, (byte)'$', value.Length);
        var span = output.GetSpan(value.Length + 2);
        value.CopyTo(span);
        span[value.Length] = (byte)'\r';
        span[value.Length + 1] = (byte)'\n';
        output.Advance(value.Length + 2);
    }

    public static void WriteText(PooledBuffer output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WritePrefixed(output, (byte)'$', length);
        var span = output.GetSpan(length + 2);
        Encoding.UTF8.GetBytes(value, span);
        span[length] = (byte)'\r';
        span[length + 1] = (byte)'\n';
        output.Advance(length + 2);
    }

    public static void WriteInteger(PooledBuffer output, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var length);
        WriteBulk(output, digits[..length]);
    }

    private static void WritePrefixed(PooledBuffer output, byte prefix, long value)
    {
        var span = output.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var length);
        span[length + 1] = (byte)'\r';
        span[length + 2] = (byte)'\n';
        output.Advance(length + 3);
    }
}
