using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace ActorEdge.Etcd.Grpc;

/// <summary>
/// gRPC calls to one endpoint over HTTP/2 (h2c for http://, TLS for https://), on a
/// <see cref="SocketsHttpHandler"/> that multiplexes every call on its connections.
/// </summary>
internal sealed class GrpcChannel : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");
    private readonly HttpMessageInvoker _invoker;

    public GrpcChannel(Uri address, EtcdClientOptions options)
    {
        Address = address;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // A 64 KB window (the default) stalls a 100 KB read for a round trip until the window
            // update reaches the server; at 10 ms links this halved the thesis benchmark's reads.
            InitialHttp2StreamWindowSize = 4 << 20,
        };
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            options.ConfigureTls?.Invoke(handler.SslOptions);
        }
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri Address { get; }

    /// <summary>A unary call. Throws <see cref="GrpcCallException"/> on any failure but cancellation by <paramref name="cancellationToken"/>.</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser, string? token, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        var frame = GrpcFraming.RentFrame(request, out var length);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var sent = false;
        try
        {
            using var message = CreateRequest(path, token, timeout);
            message.Content = new ByteArrayContent(frame, 0, length);
            message.Content.Headers.ContentType = GrpcContentType;
            using var response = await _invoker.SendAsync(message, timeoutSource.Token).ConfigureAwait(false);
            sent = true;
            EnsureGrpcResponse(response);
            var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token).ConfigureAwait(false);
            var header = new byte[GrpcFraming.HeaderLength];
            var result = await GrpcFraming.ReadMessageAsync(stream, parser, header, timeoutSource.Token).ConfigureAwait(false);
            // Drain to the end so the trailers arrive.
            if (result is not null && await GrpcFraming.ReadMessageAsync(stream, parser, header, timeoutSource.Token).ConfigureAwait(false) is not null)
            {
                throw new GrpcCallException(GrpcStatusCode.Internal, "gRPC protocol error: a unary call returned more than one message", notSent: false);
            }
            ThrowIfNotOk(response.TrailingHeaders, result is null);
            return result ?? throw new GrpcCallException(GrpcStatusCode.Internal, "gRPC protocol error: a unary call returned no message and status OK", notSent: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GrpcCallException(GrpcStatusCode.DeadlineExceeded, string.Create(CultureInfo.InvariantCulture, $"no response from {Address} within {timeout.TotalMilliseconds:0} ms"), notSent: false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Transport(e, sent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Opens a bidirectional stream. The call is live until disposed.</summary>
    public GrpcDuplexCall<TResponse> Duplex<TResponse>(string path, MessageParser<TResponse> parser, string? token, bool requireLeader)
        where TResponse : class, IMessage<TResponse>
    {
        var message = CreateRequest(path, token, timeout: null);
        if (requireLeader)
        {
            // etcd cancels streams with this metadata when the member loses its leader, so they move to a healthy member.
            message.Headers.TryAddWithoutValidation("hasleader", "true");
        }
        return new GrpcDuplexCall<TResponse>(this, message, parser);
    }

    internal Task<HttpResponseMessage> SendStreamingAsync(HttpRequestMessage message, CancellationToken cancellationToken) =>
        _invoker.SendAsync(message, cancellationToken);

    internal static void EnsureGrpcResponse(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = response.StatusCode switch
            {
                HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
                HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
                HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
                HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
                HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
                _ => GrpcStatusCode.Unknown,
            };
            throw new GrpcCallException(status, string.Create(CultureInfo.InvariantCulture, $"HTTP status {(int)response.StatusCode} instead of a gRPC response"), notSent: false);
        }
        // A trailers-only response carries its status in the headers.
        if (GrpcFraming.TryGetStatus(response.Headers, out var code, out var detail) && code != GrpcStatusCode.OK)
        {
            throw new GrpcCallException(code, detail, notSent: false);
        }
    }

    internal static void ThrowIfNotOk(HttpHeaders trailers, bool noMessage)
    {
        if (GrpcFraming.TryGetStatus(trailers, out var code, out var detail))
        {
            if (code != GrpcStatusCode.OK)
            {
                throw new GrpcCallException(code, detail, notSent: false);
            }
        }
        else if (noMessage)
        {
            throw new GrpcCallException(GrpcStatusCode.Unavailable, "the response ended without a gRPC status (connection lost?)", notSent: false);
        }
    }

    internal GrpcCallException Transport(Exception e, bool sent)
    {
        // A connection that could not be opened carried no request: safe to retry anywhere.
        var notSent = !sent && e.IsConnectFailure();
        return new GrpcCallException(GrpcStatusCode.Unavailable, $"{Address}: {e.Message}", notSent, e);
    }

    public void Dispose() => _invoker.Dispose();

    private HttpRequestMessage CreateRequest(string path, string? token, TimeSpan? timeout)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is { } t)
        {
            message.Headers.TryAddWithoutValidation("grpc-timeout", string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (long)t.TotalMilliseconds)}m"));
        }
        if (token is not null)
        {
            message.Headers.TryAddWithoutValidation("token", token);
        }
        return message;
    }
}

internal static class HttpRequestExceptionExtensions
{
    public static bool IsConnectFailure(this Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable })
            {
                return true;
            }
        }
        return false;
    }
}
