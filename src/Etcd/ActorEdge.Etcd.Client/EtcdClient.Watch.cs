namespace ActorEdge.Etcd;

public sealed partial class EtcdClient
{
    internal const string WatchPath = "/etcdserverpb.Watch/Watch";

    /// <summary>
    /// Watches a key or prefix. Returns once etcd confirmed the watch; events then arrive in
    /// revision order on <see cref="EtcdWatcher.Events"/>. Every watch of this client shares one
    /// stream; when it breaks, it is reopened (on another member if needed) and each watch resumes
    /// after the last revision it delivered, so no event is lost or repeated. If that revision was
    /// compacted meanwhile, the watch ends with <see cref="EtcdCompactedException"/>.
    /// </summary>
    public Task<EtcdWatcher> WatchAsync(string key, EtcdWatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Disposing.IsCancellationRequested, this);
        var watches = LazyInitializer.EnsureInitialized(ref _watches, () => new WatchMultiplexer(this));
        return watches.WatchAsync(key, options ?? new EtcdWatchOptions(), cancellationToken);
    }
}
