using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace ActorEdge.Etcd.Grpc;

/// <summary>
/// gRPC over HTTP/2 length-prefixed messages: one byte compressed flag (always 0 here), four
/// bytes big-endian length, then the protobuf bytes. Status comes in the <c>grpc-status</c> and
/// <c>grpc-message</c> trailers, or in the headers of a trailers-only response.
/// </summary>
internal static class GrpcFraming
{
    public const int HeaderLength = 5;

    /// <summary>The largest response message accepted (etcd itself sends up to its request limit plus overhead).</summary>
    public const int MaxReceiveMessageLength = 256 * 1024 * 1024;

    /// <summary>Serializes <paramref name="message"/> with its 5-byte prefix into a rented buffer; returns the frame length.</summary>
    public static byte[] RentFrame(IMessage message, out int length)
    {
        var size = message.CalculateSize();
        length = HeaderLength + size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        buffer[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1, 4), (uint)size);
        message.WriteTo(buffer.AsSpan(HeaderLength, size));
        return buffer;
    }

    /// <summary>
    /// Reads one message from <paramref name="stream"/>. Returns false at a clean end of stream
    /// (no bytes of a next message); throws on a truncated or oversized frame.
    /// </summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(Stream stream, MessageParser<T> parser, byte[] header, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        if (!await ReadExactlyOrEndAsync(stream, header.AsMemory(0, HeaderLength), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        if (header[0] != 0)
        {
            ThrowProtocol("the server sent a compressed message, which this client never asked for");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1, 4));
        if (length > MaxReceiveMessageLength)
        {
            ThrowProtocol(string.Create(CultureInfo.InvariantCulture, $"the server sent a message of {length} bytes, over the limit of {MaxReceiveMessageLength}"));
        }
        if (length == 0)
        {
            return parser.ParseFrom(ReadOnlySpan<byte>.Empty);
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            if (!await ReadExactlyOrEndAsync(stream, buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false))
            {
                ThrowProtocol("the response ended inside a message");
            }
            return parser.ParseFrom(buffer.AsSpan(0, (int)length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the gRPC status from headers or trailers; false when they carry none.</summary>
    public static bool TryGetStatus(HttpHeaders headers, out GrpcStatusCode status, out string message)
    {
        status = GrpcStatusCode.Unknown;
        message = string.Empty;
        if (!headers.NonValidated.TryGetValues("grpc-status", out var values))
        {
            return false;
        }
        foreach (var value in values)
        {
            status = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? (GrpcStatusCode)code : GrpcStatusCode.Unknown;
            break;
        }
        if (headers.NonValidated.TryGetValues("grpc-message", out var messages))
        {
            foreach (var value in messages)
            {
                // grpc-message is percent-encoded UTF-8.
                message = Uri.UnescapeDataString(value);
                break;
            }
        }
        return true;
    }

    private static async ValueTask<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }
                ThrowProtocol("the response ended inside a message");
            }
            read += n;
        }
        return true;
    }

    [DoesNotReturn]
    private static void ThrowProtocol(string detail) => throw new GrpcCallException(GrpcStatusCode.Internal, "gRPC protocol error: " + detail, notSent: false);
}
