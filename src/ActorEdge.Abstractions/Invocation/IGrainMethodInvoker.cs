using System.ComponentModel;
using ActorEdge.Serialization;

namespace ActorEdge.Invocation;

/// <summary>
/// Dispatches requests for one grain interface to a grain instance (generated per interface).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGrainMethodInvoker
{
    /// <summary>The interface this invoker dispatches.</summary>
    uint InterfaceId { get; }

    /// <summary>
    /// Decodes the arguments of method <paramref name="methodId"/> from <paramref name="arguments"/>,
    /// calls it on <paramref name="grain"/>, and hands the returned task to <paramref name="response"/>,
    /// returning what the response returns. An unknown method throws <see cref="GrainMethodNotFoundException"/>.
    /// </summary>
    ValueTask Invoke(object grain, uint methodId, ReadOnlySpan<byte> arguments, IResponseSink response);
}

/// <summary>
/// Receives the outcome of an invoked grain method (implemented by the runtime, one per request).
/// The returned task completes when the outcome has been recorded, which ends the request's turn.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IResponseSink
{
    /// <summary>The token to pass to a grain method that takes a <see cref="CancellationToken"/>.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>Completes with the outcome of a method returning <see cref="Task"/>.</summary>
    ValueTask Complete(Task task);

    /// <summary>Completes with the outcome of a method returning <see cref="ValueTask"/>.</summary>
    ValueTask Complete(ValueTask task);

    /// <summary>Completes with the outcome of a method returning <see cref="Task{TResult}"/>.</summary>
    ValueTask Complete<TResult>(Task<TResult> task, IFieldCodec<TResult> codec);

    /// <summary>Completes with the outcome of a method returning <see cref="ValueTask{TResult}"/>.</summary>
    ValueTask Complete<TResult>(ValueTask<TResult> task, IFieldCodec<TResult> codec);
}
