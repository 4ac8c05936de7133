using System.ComponentModel;
using ActorEdge.Serialization;

namespace ActorEdge.Invocation;

/// <summary>
/// Base class of the grain proxies the code generator emits: a reference to one grain through
/// one of its interfaces. Equal when they address the same grain.
/// </summary>
public abstract class GrainReference : IAddressable, IEquatable<GrainReference>
{
    /// <summary>Creates the reference.</summary>
    protected GrainReference(IGrainCallRuntime runtime, GrainId grainId)
    {
        Runtime = runtime;
        GrainId = grainId;
    }

    /// <summary>The grain addressed.</summary>
    public GrainId GrainId { get; }

    /// <summary>The id of the interface this reference implements.</summary>
    public abstract uint InterfaceId { get; }

    /// <summary>The runtime that sends this reference's calls.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IGrainCallRuntime Runtime { get; }

    /// <inheritdoc />
    public bool Equals(GrainReference? other) => other is not null && GrainId.Equals(other.GrainId);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GrainReference);

    /// <inheritdoc />
    public override int GetHashCode() => GrainId.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => GrainId.ToString();
}

/// <summary>Per-method options the generated proxy passes with each call.</summary>
[Flags]
public enum InvokeMethodOptions : byte
{
    /// <summary>An ordinary request/response call.</summary>
    None = 0,
    /// <summary>Fire and forget: no response (<see cref="OneWayAttribute"/>).</summary>
    OneWay = 1,
    /// <summary>May interleave with any request (<see cref="AlwaysInterleaveAttribute"/>).</summary>
    AlwaysInterleave = 2,
}

/// <summary>
/// What generated proxies call. A proxy method creates a request, writes its arguments as
/// fields 0..n-1 into <see cref="OutgoingRequest.Arguments"/>, and hands it back to be sent.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGrainCallRuntime
{
    /// <summary>Starts a call of method <paramref name="methodId"/> of interface <paramref name="interfaceId"/> on <paramref name="target"/>.</summary>
    OutgoingRequest CreateRequest(GrainReference target, uint interfaceId, uint methodId, InvokeMethodOptions options);

    /// <summary>Sends the request and completes when the callee returns.</summary>
    Task InvokeAsync(OutgoingRequest request);

    /// <summary>Sends the request and returns the callee's result, decoded with <paramref name="resultCodec"/>.</summary>
    Task<TResult> InvokeAsync<TResult>(OutgoingRequest request, IFieldCodec<TResult> resultCodec);

    /// <summary>Sends a one-way request; completes once it is queued for sending.</summary>
    void InvokeOneWay(OutgoingRequest request);

    /// <summary>Creates a reference of interface <typeparamref name="TGrainInterface"/> to <paramref name="grainId"/> (used when a grain reference is deserialized).</summary>
    TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain;
}

/// <summary>A call being built by a generated proxy.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class OutgoingRequest
{
    /// <summary>Where the proxy writes the arguments: a sequence of fields, argument i as field i.</summary>
    public abstract System.Buffers.IBufferWriter<byte> Arguments { get; }

    /// <summary>The cancellation token passed to the grain method, if it takes one; the callee observes its cancellation.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>A per-method timeout (<see cref="ResponseTimeoutAttribute"/>) overriding the runtime's default.</summary>
    public TimeSpan? Timeout { get; set; }
}
