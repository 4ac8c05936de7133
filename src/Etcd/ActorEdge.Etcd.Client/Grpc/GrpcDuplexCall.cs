using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace ActorEdge.Etcd.Grpc;

/// <summary>
/// A bidirectional gRPC stream: requests are written to a request body that stays open
/// (full duplex on HTTP/2), responses are read as they arrive. Writes are serialized; one reader.
/// </summary>
internal sealed class GrpcDuplexCall<TResponse> : IAsyncDisposable
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly MessageParser<TResponse> _parser;
    private readonly DuplexContent _content = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _header = new byte[GrpcFraming.HeaderLength];
    private readonly Task<HttpResponseMessage> _responseTask;
    private HttpResponseMessage? _response;
    private Stream? _responseStream;
    private int _disposed;

    public GrpcDuplexCall(GrpcChannel channel, HttpRequestMessage message, MessageParser<TResponse> parser)
    {
        _channel = channel;
        _parser = parser;
        message.Content = _content;
        // Headers are sent at once; the server answers with its headers only when it writes its first message.
        _responseTask = channel.SendStreamingAsync(message, _aborted.Token);
        _ = _responseTask.ContinueWith(static (t, state) => ((DuplexContent)state!).Fail(t.Exception), _content, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public Uri Address => _channel.Address;

    public async ValueTask WriteAsync(IMessage message, CancellationToken cancellationToken)
    {
        var frame = GrpcFraming.RentFrame(message, out var length);
        try
        {
            var stream = await _content.RequestStream.WaitAsync(cancellationToken).ConfigureAwait(false);
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ObjectDisposedException)
        {
            throw _channel.Transport(e, sent: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>The next response, or null when the server ended the stream with status OK.</summary>
    public async ValueTask<TResponse?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_responseStream is null)
            {
                _response = await _responseTask.WaitAsync(cancellationToken).ConfigureAwait(false);
                GrpcChannel.EnsureGrpcResponse(_response);
                _responseStream = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            }
            var message = await GrpcFraming.ReadMessageAsync(_responseStream, _parser, _header, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                GrpcChannel.ThrowIfNotOk(_response!.TrailingHeaders, noMessage: true);
            }
            return message;
        }
        catch (OperationCanceledException) when (_aborted.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GrpcCallException(GrpcStatusCode.Cancelled, "the stream was closed", notSent: false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw _channel.Transport(e, sent: _response is not null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _content.Complete();
        await _aborted.CancelAsync().ConfigureAwait(false);
        try
        {
            await _responseTask.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
        }
        _response?.Dispose();
        _aborted.Dispose();
    }

    /// <summary>A request body that is written to while the call is live, and ends when the call ends.</summary>
    private sealed class DuplexContent : HttpContent
    {
        private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DuplexContent()
        {
            Headers.ContentType = new("application/grpc");
        }

        public Task<Stream> RequestStream => _stream.Task;

        public void Complete() => _completed.TrySetResult();

        public void Fail(Exception? e)
        {
            _stream.TrySetException(e?.InnerException ?? e ?? new IOException("the stream failed"));
            _completed.TrySetResult();
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _stream.TrySetResult(stream);
            await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
