using System.Collections.Frozen;
using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Runtime.Calls;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Serialization;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Client;

/// <summary>
/// The client's side of grain calls: every request goes to the connected gateway, which calls
/// the grain on the client's behalf. When the gateway is lost, its pending calls fail and the
/// next call connects to another known gateway.
/// </summary>
internal sealed partial class ClientCallRuntime : GrainCallRuntime, IConnectionHandler
{
    private readonly ClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly List<IPEndPoint> _gateways;
    private readonly PeerIdentity _identity;
    private readonly CancellationTokenSource _disposed = new();
    private volatile Connection? _gateway;
    private volatile FrozenDictionary<uint, string> _grainTypes = FrozenDictionary<uint, string>.Empty;
    private int _nextGateway;

    public ClientCallRuntime(ClientOptions options, TimeProvider timeProvider, ILogger logger)
        : base(new MessagingOptions { ResponseTimeout = options.ResponseTimeout, ConnectTimeout = options.ConnectTimeout, MaxMessageSize = options.MaxMessageSize }, timeProvider)
    {
        _options = options;
        _logger = logger;
        _gateways = [.. options.Gateways];
        _identity = new PeerIdentity(PeerRole.Client, options.ClusterId, options.NodeName, null, Guid.NewGuid());
    }

    public SiloAddress? Gateway => _gateway?.Peer?.Silo;

    protected override SiloAddress? LocalSilo => null;

    public async Task ConnectAsync(CancellationToken cancellationToken) => await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);

    protected override string ResolveGrainType(Type interfaceType)
    {
        if (!GrainCodeRegistry.TryGetInterface(interfaceType, out var descriptor))
        {
            throw new GrainTypeNotFoundException($"{interfaceType} has no generated proxy: is it a grain interface?");
        }
        return _grainTypes.TryGetValue(descriptor.InterfaceId, out var grainType)
            ? grainType
            : throw new GrainTypeNotFoundException(_gateway is null
                ? $"The client is not connected: call ConnectAsync before GetGrain<{interfaceType.Name}>."
                : $"No grain class implementing {interfaceType} is hosted by the cluster.");
    }

    protected override void SendRequest(Message request, ResponseCallback? callback)
    {
        var gateway = _gateway;
        if (gateway is not null && gateway.IsOpen && gateway.Send(request))
        {
            TrackTarget(callback, gateway.Peer!.Silo!);
            return;
        }
        _ = SendSlowAsync(request, callback);
    }

    protected override void SendCancellation(Message cancellation, SiloAddress? target)
    {
        // The call already failed here; tell the gateway that relays it, under our correlation id,
        // so it cancels the relayed call and the callee's token. A gateway since lost has nothing to cancel.
        var gateway = _gateway;
        if (gateway is not null && target is not null && target.Equals(gateway.Peer?.Silo))
        {
            cancellation.TargetSilo = target;
            gateway.Send(cancellation);
        }
    }

    void IConnectionHandler.OnMessage(Connection connection, Message message)
    {
        if (message.Kind == MessageKind.Response)
        {
            ReceiveResponse(message);
        }
        else
        {
            message.ReleasePayload();
        }
    }

    void IConnectionHandler.OnClosed(Connection connection, Exception? error)
    {
        if (ReferenceEquals(_gateway, connection))
        {
            _gateway = null;
        }
        if (connection.Peer?.Silo is { } silo)
        {
            LogWarningGatewayLost(_logger, silo, error?.Message ?? "closed");
            FailCallsTo(silo, "the connection to this gateway was lost");
        }
    }

    void IConnectionHandler.OnUndelivered(Connection connection, Message message)
    {
        // Never written to the lost gateway, so never executed: send it through another one.
        if (message.Kind is MessageKind.Request or MessageKind.SystemRequest && !_disposed.IsCancellationRequested)
        {
            Retarget(message, null);
            _ = SendSlowAsync(message, null);
        }
        else
        {
            message.ReleasePayload();
        }
    }

    public override void Dispose()
    {
        _disposed.Cancel();
        _gateway?.Close();
        base.Dispose();
    }

    private async Task SendSlowAsync(Message request, ResponseCallback? callback)
    {
        try
        {
            var gateway = await EnsureConnectedAsync(_disposed.Token).ConfigureAwait(false);
            TrackTarget(callback, gateway.Peer!.Silo!);
            if (callback is null)
            {
                Retarget(request, gateway.Peer.Silo);
            }
            if (!gateway.Send(request))
            {
                throw new SiloUnavailableException($"The connection to gateway {gateway.Peer.Silo} closed.");
            }
        }
        catch (Exception e)
        {
            if (!request.IsOneWay)
            {
                FailCall(request.CorrelationId, e);
            }
        }
    }

    private async Task<Connection> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_gateway is { IsOpen: true } current)
        {
            return current;
        }
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_gateway is { IsOpen: true } connected)
            {
                return connected;
            }
            var deadline = TimeProvider.GetTimestamp() + (long)(_options.ReconnectTimeout.TotalSeconds * TimeProvider.TimestampFrequency);
            var errors = new List<string>();
            while (true)
            {
                for (var i = 0; i < _gateways.Count; i++)
                {
                    var endpoint = _gateways[(_nextGateway + i) % _gateways.Count];
                    try
                    {
                        var connection = await Connection.ConnectAsync(_options.GatewayEndpointResolver?.Invoke(endpoint) ?? endpoint, _identity, Options.MaxMessageSize, Options.ConnectTimeout, _logger, _ => this, cancellationToken).ConfigureAwait(false);
                        _gateway = connection;
                        _nextGateway = (_nextGateway + i + 1) % _gateways.Count;
                        await LoadManifestAsync(connection.Peer!.Silo!).ConfigureAwait(false);
                        LogInformationConnected(_logger, connection.Peer.Silo!);
                        return connection;
                    }
                    catch (Exception e) when (e is SiloUnavailableException or TimeoutException or GrainException)
                    {
                        errors.Add($"{endpoint}: {e.Message}");
                    }
                }
                if (TimeProvider.GetTimestamp() > deadline)
                {
                    throw new SiloUnavailableException($"No gateway of cluster '{_options.ClusterId}' could be reached: {string.Join("; ", errors)}");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Asks the gateway which silos are active (and learns them as gateways).</summary>
    public async Task<IReadOnlyList<SiloAddress>> GetActiveSilosAsync(CancellationToken cancellationToken)
    {
        var gateway = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        return await LoadManifestAsync(gateway.Peer!.Silo!).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SiloAddress>> LoadManifestAsync(SiloAddress gateway)
    {
        var response = await SystemCallAsync(gateway, SystemTargetIds.Gateway, SystemTargetIds.GatewayGetManifest, null).ConfigureAwait(false);
        try
        {
            var grainTypes = new Dictionary<uint, string>();
            var silos = new List<SiloAddress>();
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1:
                        ReadInterface(ref r, wireType, grainTypes);
                        break;
                    case 2:
                        var silo = MessageSerializer.ReadSilo(ref r, wireType);
                        silos.Add(silo);
                        if (!_gateways.Contains(silo.Endpoint))
                        {
                            _gateways.Add(silo.Endpoint);
                        }
                        break;
                    default:
                        r.SkipField(wireType);
                        break;
                }
            }
            _grainTypes = grainTypes.ToFrozenDictionary();
            return silos;
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    private static void ReadInterface(ref Reader r, WireType wireType, Dictionary<uint, string> grainTypes)
    {
        r.EnterObject(wireType);
        uint interfaceId = 0;
        string? grainType = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: interfaceId = r.ReadFixed32(); break;
                case 2: grainType = r.ReadUtf8(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (grainType is not null)
        {
            grainTypes[interfaceId] = grainType;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to gateway {Gateway}")]
    private static partial void LogInformationConnected(ILogger logger, SiloAddress gateway);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost gateway {Gateway}: {Reason}")]
    private static partial void LogWarningGatewayLost(ILogger logger, SiloAddress gateway, string reason);
}
