using System.Diagnostics;
using ActorEdge.Invocation;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Activations;

/// <summary>
/// The outcome of one request executing on an activation: encodes the result or exception
/// and sends the response. The returned task ends the request's turn.
/// </summary>
internal sealed class ResponseSink(ActivationData activation, Message request) : IResponseSink
{
    private readonly long _startTimestamp = activation.Runtime.TimeProvider.GetTimestamp();
    private CancellationTokenSource? _cancellation;
    private bool _failed;

    public Message Request { get; } = request;

    /// <summary>The trace span of this request, when someone listens to the ActorEdge ActivitySource.</summary>
    public Activity? Activity { get; set; }

    public bool IsCancelable => _cancellation is not null;

    public CancellationToken CancellationToken
    {
        get
        {
            if (_cancellation is null)
            {
                _cancellation = new CancellationTokenSource();
                activation.RegisterCancelable(this);
            }
            return _cancellation.Token;
        }
    }

    public void Cancel() => _cancellation?.Cancel();

    public ValueTask Complete(Task task)
    {
        if (task.IsCompleted)
        {
            Send(task);
            return default;
        }
        return AwaitAsync(task);
    }

    public ValueTask Complete(ValueTask task) => task.IsCompletedSuccessfully ? Succeed() : Complete(task.AsTask());

    public ValueTask Complete<TResult>(Task<TResult> task, IFieldCodec<TResult> codec)
    {
        if (task.IsCompleted)
        {
            Send(task, codec);
            return default;
        }
        return AwaitAsync(task, codec);
    }

    public ValueTask Complete<TResult>(ValueTask<TResult> task, IFieldCodec<TResult> codec) =>
        task.IsCompletedSuccessfully ? SendResult(task.Result, codec) : Complete(task.AsTask(), codec);

    public ValueTask Fail(Exception exception)
    {
        _failed = true;
        Activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activation.Runtime.Router.RespondWithError(Request, exception, ServiceMicroseconds());
        return default;
    }

    public void RecordMetrics(string grainType)
    {
        // Nobody listening (the common case without an exporter): skip the tags and the method-name lookup.
        if (!ActorEdgeInstruments.CallsReceived.Enabled && !ActorEdgeInstruments.CallDuration.Enabled)
        {
            return;
        }
        var elapsed = activation.Runtime.TimeProvider.GetElapsedTime(_startTimestamp).TotalMilliseconds;
        var tags = new TagList
        {
            { "grain.type", grainType },
            { "method", activation.Runtime.DescribeMethod(Request.InterfaceId, Request.MethodId) },
            { "status", _failed ? "error" : "ok" },
        };
        ActorEdgeInstruments.CallsReceived.Add(1, tags);
        ActorEdgeInstruments.CallDuration.Record(elapsed, tags);
    }

    private async ValueTask AwaitAsync(Task task)
    {
        try
        {
            await task;
        }
        catch
        {
            // The outcome is read from the task below.
        }
        Send(task);
    }

    private async ValueTask AwaitAsync<TResult>(Task<TResult> task, IFieldCodec<TResult> codec)
    {
        try
        {
            await task;
        }
        catch
        {
            // The outcome is read from the task below.
        }
        Send(task, codec);
    }

    private void Send(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            Succeed();
            return;
        }
        FailFrom(task);
    }

    private void Send<TResult>(Task<TResult> task, IFieldCodec<TResult> codec)
    {
        if (task.IsCompletedSuccessfully)
        {
            SendResult(task.Result, codec);
            return;
        }
        FailFrom(task);
    }

    private void FailFrom(Task task) =>
        Fail(task.IsCanceled ? new OperationCanceledException("The grain method was canceled.") : task.Exception!.InnerException ?? task.Exception!);

    private ValueTask Succeed()
    {
        if (!Request.IsOneWay)
        {
            Respond(null);
        }
        return default;
    }

    private ValueTask SendResult<TResult>(TResult result, IFieldCodec<TResult> codec)
    {
        if (Request.IsOneWay)
        {
            return default;
        }
        var payload = new PooledBuffer();
        try
        {
            var writer = new Writer(payload);
            codec.Write(ref writer, 0, result);
            writer.Commit();
        }
        catch (Exception e)
        {
            payload.Dispose();
            return Fail(new SerializationException($"The result of {activation.GrainId} could not be serialized: {e.Message}", e));
        }
        Respond(payload);
        return default;
    }

    private void Respond(PooledBuffer? payload)
    {
        var response = Request.CreateResponse(ResponseStatus.Ok, payload);
        response.ServiceMicroseconds = ServiceMicroseconds();
        activation.Runtime.Router.SendResponse(response);
    }

    /// <summary>
    /// How long the method ran, for a request that waited for a migration (0 otherwise: only those
    /// callers split their latency into what the migration added and what the call costs anyway).
    /// </summary>
    private long ServiceMicroseconds() => (Request.Flags & MessageFlags.HeldByMigration) == 0
        ? 0
        : Math.Max(1, (long)activation.Runtime.TimeProvider.GetElapsedTime(_startTimestamp).TotalMicroseconds);

}
