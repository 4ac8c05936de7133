using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// The silo's transport: listens for silos and clients on one port, keeps one outbound
/// connection per remote silo, delivers local messages without touching a socket, and turns
/// connection failures into membership evidence (an endpoint that refuses connections hosts
/// no silo any more).
/// </summary>
internal sealed partial class MessageCenter(SiloRuntime runtime, MessagingOptions options, ILogger<MessageCenter> logger) : IConnectionHandler
{
    private readonly ConcurrentDictionary<SiloAddress, Task<Connection>> _outbound = new();
    private readonly ConcurrentDictionary<Connection, PeerRole> _inbound = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    public int ClientCount
    {
        get
        {
            var count = 0;
            foreach (var role in _inbound.Values)
            {
                if (role == PeerRole.Client)
                {
                    count++;
                }
            }
            return count;
        }
    }

    /// <summary>Binds the listener and starts accepting; returns the bound endpoint.</summary>
    public IPEndPoint Listen(IPEndPoint endpoint)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endpoint);
        listener.Listen(512);
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
        return (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Sends a message to <see cref="Message.TargetSilo"/>, which may be this silo.</summary>
    public void Send(Message message)
    {
        var target = message.TargetSilo!;
        if (runtime.Local.IsLocal(target))
        {
            runtime.Dispatch(message);
            return;
        }
        if (_stopping.IsCancellationRequested)
        {
            // Stopped or killed: nothing leaves this silo any more.
            message.ReleasePayload();
            return;
        }
        if (_outbound.TryGetValue(target, out var pending) && pending.IsCompletedSuccessfully && pending.Result.Send(message))
        {
            ActorEdgeInstruments.MessagesSent.Add(1);
            return;
        }
        _ = SendSlowAsync(message, target);
    }

    /// <summary>
    /// The open connection on which <see cref="Send"/> puts messages to <paramref name="silo"/> at
    /// once, in the order they are sent; null while there is none (a message then waits for one).
    /// </summary>
    public Connection? OpenConnectionTo(SiloAddress silo) =>
        _outbound.TryGetValue(silo, out var pending) && pending.IsCompletedSuccessfully ? pending.Result : null;

    /// <summary>Closes the connection to a silo that died.</summary>
    public void Disconnect(SiloAddress silo)
    {
        if (_outbound.TryRemove(silo, out var pending) && pending.IsCompletedSuccessfully)
        {
            pending.Result.Abort();
        }
    }

    /// <summary>Stops accepting and closes every connection after what is queued on it is written.</summary>
    public async Task StopAsync()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        var closing = new List<Task>();
        foreach (var connection in _inbound.Keys)
        {
            connection.Close();
            closing.Add(connection.Closed);
        }
        foreach (var pending in _outbound.Values)
        {
            if (pending.IsCompletedSuccessfully)
            {
                pending.Result.Close();
                closing.Add(pending.Result.Closed);
            }
        }
        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }

    /// <summary>Drops every connection at once, as a crashed process would.</summary>
    public void Kill()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        foreach (var connection in _inbound.Keys)
        {
            connection.Abort();
        }
        foreach (var pending in _outbound.Values)
        {
            if (pending.IsCompletedSuccessfully)
            {
                pending.Result.Abort();
            }
        }
    }

    void IConnectionHandler.OnMessage(Connection connection, Message message)
    {
        ActorEdgeInstruments.MessagesReceived.Add(1);
        SetExpiry(message);
        runtime.Dispatch(message, fromNetwork: true);
    }

    void IConnectionHandler.OnClosed(Connection connection, Exception? error)
    {
        _inbound.TryRemove(connection, out _);
        if (connection.Peer?.Silo is { } silo)
        {
            if (_outbound.TryGetValue(silo, out var pending) && pending.IsCompleted && (!pending.IsCompletedSuccessfully || ReferenceEquals(pending.Result, connection)))
            {
                _outbound.TryRemove(new KeyValuePair<SiloAddress, Task<Connection>>(silo, pending));
            }
            if (error is not null && !_stopping.IsCancellationRequested && !runtime.Membership.IsDead(silo))
            {
                _ = ProbeAsync(silo);
            }
        }
    }

    void IConnectionHandler.OnUndelivered(Connection connection, Message message)
    {
        if (connection.Peer?.Silo is { } silo)
        {
            runtime.Router.OnUndeliverable(message, silo, new SiloUnavailableException($"The connection to {silo} closed before the message was sent."));
        }
    }

    internal void SetExpiry(Message message)
    {
        if (message.TimeToLiveMs > 0)
        {
            message.ExpiresAtTimestamp = runtime.TimeProvider.GetTimestamp() + (long)(message.TimeToLiveMs / 1000.0 * runtime.TimeProvider.TimestampFrequency);
        }
    }

    private async Task SendSlowAsync(Message message, SiloAddress target)
    {
        try
        {
            var connection = await GetConnectionAsync(target).ConfigureAwait(false);
            if (!connection.Send(message))
            {
                throw new SiloUnavailableException($"The connection to {target} closed.");
            }
            ActorEdgeInstruments.MessagesSent.Add(1);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            if (message.Kind == MessageKind.Request && runtime.Local.IsLocal(message.SendingSilo))
            {
                // Declaring the target dead fails every call pending there; this request never got
                // there and is rerouted below, so its call must survive that.
                runtime.Router.DetachTarget(message.CorrelationId, target);
            }
            if (IsRefused(e))
            {
                await DeclareDeadAsync(target, "it refuses connections").ConfigureAwait(false);
            }
            runtime.Router.OnUndeliverable(message, target, e);
        }
    }

    private async Task<Connection> GetConnectionAsync(SiloAddress target)
    {
        var connection = await ConnectOnceAsync(target).ConfigureAwait(false);
        // A cached connection that closed meanwhile gets one fresh attempt.
        return connection.IsOpen ? connection : await ConnectOnceAsync(target).ConfigureAwait(false);
    }

    private async Task<Connection> ConnectOnceAsync(SiloAddress target)
    {
        var pending = _outbound.GetOrAdd(target, ConnectAsync);
        try
        {
            var connection = await pending.ConfigureAwait(false);
            if (!connection.IsOpen)
            {
                _outbound.TryRemove(new KeyValuePair<SiloAddress, Task<Connection>>(target, pending));
            }
            return connection;
        }
        catch
        {
            // Failures are not cached: the next send tries again.
            _outbound.TryRemove(new KeyValuePair<SiloAddress, Task<Connection>>(target, pending));
            throw;
        }
    }

    private async Task<Connection> ConnectAsync(SiloAddress target)
    {
        if (runtime.Membership.IsDead(target))
        {
            throw new SiloUnavailableException($"Silo {target} is dead.");
        }
        var endpoint = options.SiloEndpointResolver?.Invoke(target) ?? target.Endpoint;
        var connection = await Connection.ConnectAsync(endpoint, runtime.Identity, options.MaxMessageSize, options.ConnectTimeout, logger, _ => this, _stopping.Token).ConfigureAwait(false);
        var peer = connection.Peer!.Silo!;
        if (target.Generation != 0 && !peer.Equals(target))
        {
            // Another incarnation answers at that endpoint: the one we wanted is gone.
            connection.Close();
            await DeclareDeadAsync(target, $"{peer} now listens at its endpoint").ConfigureAwait(false);
            throw new SiloUnavailableException($"Silo {target} has been replaced by {peer}.");
        }
        LogDebugConnected(logger, target);
        return connection;
    }

    private async Task ProbeAsync(SiloAddress silo)
    {
        try
        {
            await GetConnectionAsync(silo).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (IsRefused(e))
            {
                await DeclareDeadAsync(silo, "its connection was lost and it refuses new ones").ConfigureAwait(false);
            }
        }
    }

    private async Task DeclareDeadAsync(SiloAddress silo, string reason)
    {
        try
        {
            await runtime.Membership.DeclareDeadAsync(silo, reason, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWarningDeclareFailed(logger, silo, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsRefused(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }
        return false;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = AcceptAsync(socket);
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        var connection = new Connection(socket, options.MaxMessageSize, logger);
        await connection.AcceptAsync(runtime.Identity, options.ConnectTimeout, peer =>
        {
            if (!string.Equals(peer.ClusterId, runtime.Local.ClusterId, StringComparison.Ordinal))
            {
                LogWarningWrongCluster(logger, connection.RemoteEndPoint, peer.ClusterId);
                return null;
            }
            _inbound[connection] = peer.Role;
            return peer.Role == PeerRole.Silo ? this : new ClientConnectionHandler(runtime, this);
        }, _stopping.Token).ConfigureAwait(false);
    }

    /// <summary>A client connected through this silo's gateway.</summary>
    private sealed class ClientConnectionHandler(SiloRuntime runtime, MessageCenter center) : IConnectionHandler
    {
        public void OnMessage(Connection connection, Message message)
        {
            ActorEdgeInstruments.MessagesReceived.Add(1);
            center.SetExpiry(message);
            switch (message.Kind)
            {
                case MessageKind.Request:
                    runtime.Router.RelayFromClient(connection, message);
                    break;
                case MessageKind.SystemRequest:
                    _ = runtime.HandleSystemRequestAsync(message, response => connection.Send(response));
                    break;
                case MessageKind.Cancel:
                    runtime.Router.CancelRelay(connection, message.CorrelationId);
                    break;
                default:
                    message.ReleasePayload();
                    break;
            }
        }

        public void OnClosed(Connection connection, Exception? error) => center._inbound.TryRemove(connection, out _);

        // A response the client will never see: its call fails there when the connection drops.
        public void OnUndelivered(Connection connection, Message message) => message.ReleasePayload();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connected to silo {Silo}")]
    private static partial void LogDebugConnected(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a connection from {RemoteEndPoint} of cluster '{ClusterId}'")]
    private static partial void LogWarningWrongCluster(ILogger logger, IPEndPoint? remoteEndPoint, string clusterId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare silo {Silo} dead: {Reason}")]
    private static partial void LogWarningDeclareFailed(ILogger logger, SiloAddress silo, string reason);
}
