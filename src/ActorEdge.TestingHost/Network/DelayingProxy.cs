using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ActorEdge.TestingHost.Network;

/// <summary>The emulated properties of one direction of a link.</summary>
/// <param name="Delay">One-way delay added to every byte.</param>
/// <param name="BytesPerSecond">Bandwidth cap; 0 for none.</param>
public readonly record struct LinkProfile(TimeSpan Delay, long BytesPerSecond = 0)
{
    /// <summary>No delay, no cap.</summary>
    public static LinkProfile Unlimited => default;
}

/// <summary>How <see cref="DelayingProxy.Cut"/> breaks the link.</summary>
public enum LinkCut
{
    /// <summary>Connections stay open but bytes in both directions are dropped, as in a network partition.</summary>
    Drop,
    /// <summary>Open connections are reset and new ones are closed at once, as when the peer is gone.</summary>
    Reset,
}

/// <summary>
/// A TCP proxy on a loopback port that emulates an edge link to <c>target</c> (this kernel has
/// no netem): a one-way delay and a bandwidth cap per direction, changeable at run time, and
/// cuts that emulate partitions. Bytes keep their order per connection.
/// </summary>
/// <remarks>
/// Each direction of a connection is a reader that stamps every chunk with the time it would
/// arrive (its transmission end at the capped rate, plus the delay) and a writer that delivers
/// the chunks in order, none before its time. Buffers come from <see cref="ArrayPool{T}"/>.
/// Delays and rates are lower bounds: the writer never delivers early, but may deliver late by
/// the timer's resolution (about a millisecond).
/// </remarks>
public sealed class DelayingProxy : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;

    private readonly IPEndPoint _target;
    private readonly TimeProvider _time;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Pipe> _connections = [];
    private LinkProfile _upstream;
    private LinkProfile _downstream;
    private volatile int _cut = -1;
    private long _droppedBytes;
    private Task? _acceptLoop;
    private int _disposed;

    /// <summary>Creates a proxy to <paramref name="target"/>; it listens once <see cref="Start"/> is called.</summary>
    public DelayingProxy(IPEndPoint target, LinkProfile upstream = default, LinkProfile downstream = default, TimeProvider? timeProvider = null)
    {
        _target = target;
        _upstream = upstream;
        _downstream = downstream;
        _time = timeProvider ?? TimeProvider.System;
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>Where to connect to reach the target through the link.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>From the connecting side to the target.</summary>
    public LinkProfile Upstream
    {
        get { lock (_lock) { return _upstream; } }
        set { lock (_lock) { _upstream = value; } }
    }

    /// <summary>From the target back to the connecting side.</summary>
    public LinkProfile Downstream
    {
        get { lock (_lock) { return _downstream; } }
        set { lock (_lock) { _downstream = value; } }
    }

    /// <summary>Whether the link is cut.</summary>
    public bool IsCut => _cut >= 0;

    /// <summary>Bytes dropped because the link was cut (<see cref="LinkCut.Drop"/>).</summary>
    public long DroppedBytes => Interlocked.Read(ref _droppedBytes);

    /// <summary>Connections currently open through the proxy.</summary>
    public int ConnectionCount
    {
        get { lock (_lock) { return _connections.Count; } }
    }

    /// <summary>Starts listening.</summary>
    public DelayingProxy Start()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
        return this;
    }

    /// <summary>Cuts the link (see <see cref="LinkCut"/>) until <see cref="Heal"/>.</summary>
    public void Cut(LinkCut mode = LinkCut.Drop)
    {
        _cut = (int)mode;
        if (mode == LinkCut.Reset)
        {
            Pipe[] open;
            lock (_lock)
            {
                open = [.. _connections];
            }
            foreach (var pipe in open)
            {
                pipe.Abort();
            }
        }
    }

    /// <summary>Restores the link: new bytes and connections flow again (bytes dropped meanwhile are lost).</summary>
    public void Heal() => _cut = -1;

    /// <summary>Stops listening and closes every connection (again: nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        _listener.Stop();
        Pipe[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }
        foreach (var pipe in open)
        {
            pipe.Abort();
        }
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_cut == (int)LinkCut.Reset)
            {
                inbound.Close(0);
                continue;
            }
            _ = ConnectAsync(inbound);
        }
    }

    private async Task ConnectAsync(Socket inbound)
    {
        var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        inbound.NoDelay = true;
        try
        {
            await outbound.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            inbound.Close(0);
            outbound.Dispose();
            return;
        }
        var pipe = new Pipe(this, inbound, outbound);
        lock (_lock)
        {
            _connections.Add(pipe);
        }
        await pipe.RunAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _connections.Remove(pipe);
        }
    }

    /// <summary>One proxied connection: two directions, each a reader and an in-order delayed writer.</summary>
    private sealed class Pipe(DelayingProxy proxy, Socket inbound, Socket outbound)
    {
        private readonly CancellationTokenSource _abort = CancellationTokenSource.CreateLinkedTokenSource(proxy._stop.Token);

        public void Abort()
        {
            try
            {
                _abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            inbound.Close(0);
            outbound.Close(0);
        }

        public async Task RunAsync()
        {
            var up = RunDirectionAsync(inbound, outbound, upstream: true);
            var down = RunDirectionAsync(outbound, inbound, upstream: false);
            // Each direction ends when its source closes (its end is passed on after the delayed
            // bytes) or fails; then the connection is gone on both sides.
            await Task.WhenAll(up, down).ConfigureAwait(false);
            inbound.Close(0);
            outbound.Close(0);
            _abort.Dispose();
        }

        private async Task RunDirectionAsync(Socket from, Socket to, bool upstream)
        {
            // Bounded: a slow link pushes back on the sender instead of buffering without limit.
            var chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
            var writer = WriteAsync(chunks.Reader, to);
            var time = proxy._time;
            long lastTransmitEnd = 0;
            try
            {
                while (true)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    int read;
                    try
                    {
                        read = await from.ReceiveAsync(buffer.AsMemory(0, ChunkSize), SocketFlags.None, _abort.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw;
                    }
                    if (read == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        break;
                    }
                    if (proxy._cut == (int)LinkCut.Drop)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        Interlocked.Add(ref proxy._droppedBytes, read);
                        continue;
                    }
                    var link = upstream ? proxy.Upstream : proxy.Downstream;
                    var now = time.GetTimestamp();
                    var transmitEnd = now;
                    if (link.BytesPerSecond > 0)
                    {
                        // The chunk's last byte leaves when the link has sent everything before it, at the capped rate.
                        var start = Math.Max(now, lastTransmitEnd);
                        transmitEnd = start + (long)Math.Ceiling((double)read * time.TimestampFrequency / link.BytesPerSecond);
                        lastTransmitEnd = transmitEnd;
                    }
                    var due = transmitEnd + (long)Math.Ceiling(link.Delay.TotalSeconds * time.TimestampFrequency);
                    await chunks.Writer.WriteAsync(new Chunk(buffer, read, due), _abort.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or ChannelClosedException)
            {
            }
            chunks.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task WriteAsync(ChannelReader<Chunk> chunks, Socket to)
        {
            var time = proxy._time;
            try
            {
                await foreach (var chunk in chunks.ReadAllAsync(_abort.Token).ConfigureAwait(false))
                {
                    try
                    {
                        // Never early: timers may fire a little before their time, so check again.
                        for (var wait = time.GetElapsedTime(time.GetTimestamp(), chunk.DueTimestamp); wait > TimeSpan.Zero; wait = time.GetElapsedTime(time.GetTimestamp(), chunk.DueTimestamp))
                        {
                            await Task.Delay(wait, time, _abort.Token).ConfigureAwait(false);
                        }
                        if (proxy._cut == (int)LinkCut.Drop)
                        {
                            Interlocked.Add(ref proxy._droppedBytes, chunk.Length);
                        }
                        else
                        {
                            await to.SendAsync(chunk.Buffer.AsMemory(0, chunk.Length), SocketFlags.None, _abort.Token).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                while (chunks.TryRead(out var left))
                {
                    ArrayPool<byte>.Shared.Return(left.Buffer);
                }
            }
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length, long DueTimestamp);
}
