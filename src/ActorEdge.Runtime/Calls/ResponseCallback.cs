using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Calls;

/// <summary>A pending call: what to do with its response, or with its failure.</summary>
internal abstract class ResponseCallback
{
    public long CorrelationId;
    public long DeadlineTimestamp;
    public TimeSpan Timeout;
    public GrainId TargetGrain;
    public uint InterfaceId;
    public uint MethodId;
    /// <summary>The request, to know whether it was written to a socket yet.</summary>
    public Message? Request;

    /// <summary>The silo the request was last sent to.</summary>
    public SiloAddress? TargetSilo;
    public CancellationTokenRegistration CancellationRegistration;

    /// <summary>Whether this silo only relays the call for a client (which measures it itself).</summary>
    public virtual bool IsRelay => false;

    /// <summary>Completes with the response. The caller releases the payload afterwards.</summary>
    public abstract void OnResponse(Message response);

    public abstract void OnFailure(Exception exception);

    public virtual void OnCanceled(CancellationToken token) => OnFailure(new OperationCanceledException(token));

    protected static Exception DecodeFailure(Message response) => ExceptionCodec.Decode(response.PayloadSpan);
}

/// <summary>Completes a grain call's task with its decoded result.</summary>
internal sealed class ResponseCallback<T>(IFieldCodec<T>? codec) : ResponseCallback
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void OnResponse(Message response)
    {
        CancellationRegistration.Dispose();
        if (response.Status != ResponseStatus.Ok)
        {
            _completion.TrySetException(DecodeFailure(response));
            return;
        }
        if (codec is null)
        {
            _completion.TrySetResult(default!);
            return;
        }
        T result;
        try
        {
            result = Decode(response.PayloadSpan, codec);
        }
        catch (SerializationException e)
        {
            _completion.TrySetException(new SerializationException($"The result of {TargetGrain} could not be decoded: {e.Message}", e));
            return;
        }
        _completion.TrySetResult(result);
    }

    public override void OnFailure(Exception exception)
    {
        CancellationRegistration.Dispose();
        _completion.TrySetException(exception);
    }

    public override void OnCanceled(CancellationToken token)
    {
        CancellationRegistration.Dispose();
        _completion.TrySetCanceled(token);
    }

    private static T Decode(ReadOnlySpan<byte> payload, IFieldCodec<T> codec)
    {
        var reader = new Reader(payload);
        var result = default(T)!;
        while (reader.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 0)
            {
                result = codec.Read(ref reader, wireType);
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        return result;
    }
}

/// <summary>Hands the raw response message to its owner (system calls); the owner releases the payload.</summary>
internal sealed class RawResponseCallback : ResponseCallback
{
    private readonly TaskCompletionSource<Message> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Message> Task => _completion.Task;

    public override void OnResponse(Message response)
    {
        if (response.Status != ResponseStatus.Ok)
        {
            _completion.TrySetException(DecodeFailure(response));
            return;
        }
        // Keep the payload: detach it so the registry does not release it.
        var copy = new Message { Kind = response.Kind, Status = response.Status, CorrelationId = response.CorrelationId, Payload = response.Payload };
        response.Payload = null;
        _completion.TrySetResult(copy);
    }

    public override void OnFailure(Exception exception) => _completion.TrySetException(exception);
}
