namespace ActorEdge.Etcd.Grpc;

/// <summary>
/// A gRPC call failed. Internal to the call layer: <see cref="EtcdClient"/> maps it to an
/// <see cref="EtcdException"/> after deciding whether to retry.
/// </summary>
internal sealed class GrpcCallException(GrpcStatusCode status, string detail, bool notSent, Exception? inner = null)
    : Exception(detail, inner)
{
    public GrpcStatusCode Status { get; } = status;

    public string Detail { get; } = detail;

    /// <summary>The request certainly never reached the server (the connection could not be opened), so it is safe to retry.</summary>
    public bool NotSent { get; } = notSent;
}
