using System.Threading.Channels;
using ActorEdge.Etcd.Protocol;

namespace ActorEdge.Etcd;

/// <summary>One watch: its events in revision order. Dispose to cancel it.</summary>
public sealed class EtcdWatcher : IAsyncDisposable
{
    private readonly WatchMultiplexer _owner;
    private readonly Channel<EtcdWatchEvent> _events = Channel.CreateUnbounded<EtcdWatchEvent>(new UnboundedChannelOptions { SingleWriter = true });

    internal EtcdWatcher(WatchMultiplexer owner, long id, WatchCreateRequest template)
    {
        _owner = owner;
        Id = id;
        Template = template;
        NextRevision = template.StartRevision;
    }

    /// <summary>The watch id on the client's stream.</summary>
    public long Id { get; }

    /// <summary>
    /// The events. The reader ends when the watch is disposed, and fails with
    /// <see cref="EtcdCompactedException"/> when the history it needs was compacted, or with
    /// <see cref="EtcdException"/> when etcd cancelled the watch.
    /// </summary>
    public ChannelReader<EtcdWatchEvent> Events => _events.Reader;

    /// <summary>The revision of the last event delivered (or the revision the watch started after).</summary>
    public long LastRevision => Interlocked.Read(ref NextRevision) - 1;

    /// <summary>How many times the watch was re-created on a new stream after the first.</summary>
    public int Resumptions { get; internal set; }

    internal WatchCreateRequest Template { get; }

    internal TaskCompletionSource Created { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal int Generation { get; set; }

    /// <summary>The next revision to deliver: resumption starts here.</summary>
    internal long NextRevision;

    /// <summary>Reads every event until the watch ends.</summary>
    public IAsyncEnumerable<EtcdWatchEvent> ReadAllAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _owner.CancelAsync(this);

    internal WatchCreateRequest CreateRequest()
    {
        var request = Template.Clone();
        request.StartRevision = Interlocked.Read(ref NextRevision);
        return request;
    }

    internal void Deliver(WatchResponse response)
    {
        // Resumption starts at NextRevision, so anything older is a duplicate; events of one revision arrive together.
        var threshold = Interlocked.Read(ref NextRevision);
        var last = threshold - 1;
        foreach (var e in response.Events)
        {
            var revision = e.Kv.ModRevision;
            if (revision < threshold)
            {
                continue;
            }
            _events.Writer.TryWrite(new EtcdWatchEvent((EtcdEventType)e.Type, new EtcdKeyValue(e.Kv), e.PrevKv is null ? null : new EtcdKeyValue(e.PrevKv)));
            last = revision;
        }
        if (last >= threshold)
        {
            Interlocked.Exchange(ref NextRevision, last + 1);
        }
    }

    internal void Complete(Exception? error)
    {
        _events.Writer.TryComplete(error);
        if (error is null)
        {
            Created.TrySetCanceled();
        }
        else
        {
            Created.TrySetException(error);
        }
    }
}
