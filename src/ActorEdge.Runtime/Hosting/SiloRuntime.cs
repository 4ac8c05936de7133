using System.Net;
using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Runtime.Activations;
using ActorEdge.Runtime.Calls;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Migration;
using ActorEdge.Runtime.Placement;
using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Runtime.Diagnostics;
using ActorEdge.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Runtime;

/// <summary>
/// One silo: wires the transport, the caller side, the catalog, the directory, membership and
/// placement together, dispatches what arrives, and runs the silo's start, stop and crash.
/// </summary>
internal sealed partial class SiloRuntime
{
    private static long _lastGeneration;
    private int _declaredDead;

    private readonly SiloOptions _siloOptions;
    private IMembershipTable? _membershipTable;
    private IGrainDirectory? _directory;
    private ClusterMembershipService? _membership;
    private GrainLocator? _locator;
    private PlacementService? _placement;
    private Dictionary<uint, ISystemTarget>? _extensionTargets;
    private readonly MigrationService _migration;

    public SiloRuntime(
        IServiceProvider services,
        IOptions<SiloOptions> siloOptions,
        IOptions<MessagingOptions> messagingOptions,
        IOptions<GrainCollectionOptions> collectionOptions,
        IOptions<MigrationOptions> migrationOptions,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        GrainTypeManifest manifest)
    {
        _siloOptions = siloOptions.Value;
        Services = services;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("ActorEdge.Silo");
        Manifest = manifest;
        CollectionOptions = collectionOptions.Value;
        Local = new LocalSiloDetails
        {
            ClusterId = _siloOptions.ClusterId,
            ServiceId = _siloOptions.ServiceId,
            NodeName = _siloOptions.ResolveNodeName(),
            Zone = _siloOptions.Zone,
            SiloName = _siloOptions.SiloName ?? Environment.MachineName,
        };
        MessageCenter = new MessageCenter(this, messagingOptions.Value, loggerFactory.CreateLogger<MessageCenter>());
        Router = new SiloCallRouter(this, messagingOptions.Value, timeProvider);
        Catalog = new Activations.Catalog(this, CollectionOptions);
        _migration = new MigrationService(this, migrationOptions.Value);
        EdgeTopology = new Edge.EdgeTopology(
            services.GetService<IOptions<EdgeOptions>>()?.Value ?? new EdgeOptions(),
            Local.NodeName,
            () => _membership is { } membership ? membership.Snapshot.Active : []);
    }

    public IServiceProvider Services { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    public LocalSiloDetails Local { get; }

    public GrainTypeManifest Manifest { get; }

    public GrainCollectionOptions CollectionOptions { get; }

    public MessageCenter MessageCenter { get; }

    public SiloCallRouter Router { get; }

    /// <summary>The grain factory of grain code running on this silo.</summary>
    public IGrainFactory CallRuntime => Router;

    public Activations.Catalog Catalog { get; }

    public ClusterMembershipService Membership => _membership ?? throw NotStarted();

    public GrainLocator Locator => _locator ?? throw NotStarted();

    public PlacementService Placement => _placement ?? throw NotStarted();

    public MigrationService Migration => _migration;

    /// <summary>Measured migration costs per grain type (for follow-the-caller).</summary>
    public MigrationCostEstimator MigrationCosts { get; } = new();

    /// <summary>Latencies between edge nodes and the node of each silo.</summary>
    public Edge.EdgeTopology EdgeTopology { get; }

    public PeerIdentity Identity { get; private set; } = null!;

    /// <summary>The state of development grain storage, when this silo is the development primary.</summary>
    public VersionedByteStore DevelopmentStore { get; } = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = MessageCenter.Listen(new IPEndPoint(_siloOptions.ListenAddress, _siloOptions.Port));
        var advertised = new IPEndPoint(_siloOptions.AdvertisedAddress ?? (_siloOptions.ListenAddress.Equals(IPAddress.Any) ? IPAddress.Loopback : _siloOptions.ListenAddress), endpoint.Port);
        Local.SetAddress(new SiloAddress(advertised, NextGeneration()));
        Local.SiloName = _siloOptions.SiloName ?? $"{Environment.MachineName}:{endpoint.Port}";
        Identity = new PeerIdentity(PeerRole.Silo, Local.ClusterId, Local.NodeName, Local.Address, Guid.Empty);

        _extensionTargets = ResolveExtensionTargets(Services);
        _membershipTable = Services.GetRequiredService<IMembershipTable>();
        _directory = Services.GetRequiredService<IGrainDirectory>();
        _membership = new ClusterMembershipService(_membershipTable, Services.GetRequiredService<IOptions<ClusterMembershipOptions>>(), TimeProvider, LoggerFactory.CreateLogger<ClusterMembershipService>());
        _membership.SiloDied += OnSiloDied;
        _membership.SelfDeclaredDead += OnSelfDeclaredDead;
        _locator = new GrainLocator(_directory, _membership);
        _placement = new PlacementService(_membership, Services, Local);

        await _membership.JoinAsync(new SiloEntry(Local.Address, Local.SiloName, Local.NodeName, Local.Zone, SiloStatus.Active, default), cancellationToken).ConfigureAwait(false);
        _locator.Start();
        Catalog.Start();
        _latencyProbes = Edge.LatencyProber.Start(this, _probing.Token);
        LogInformationStarted(Logger, Local.Address, Local.NodeName);
    }

    /// <summary>
    /// Graceful stop: stop taking new grains, migrate every activation to the other silos (node
    /// drain, unless disabled) and deactivate those that could not move, leave the cluster, close connections.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_membership is null)
        {
            return;
        }
        LogInformationStopping(Logger, Local.Address);
        await _membership.BeginShutdownAsync(cancellationToken).ConfigureAwait(false);
        await _membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (_migration.Options.DrainOnShutdown && HasOtherActiveSilo())
        {
            try
            {
                await Catalog.MigrateAllAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogWarningDeactivationCut(Logger, Catalog.Count);
            }
        }
        try
        {
            await Catalog.DeactivateAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogWarningDeactivationCut(Logger, Catalog.Count);
        }
        await StopProbingAsync().ConfigureAwait(false);
        await _membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        await Locator.StopAsync().ConfigureAwait(false);
        await MessageCenter.StopAsync().ConfigureAwait(false);
        Router.Dispose();
        Catalog.Dispose();
    }

    /// <summary>Stops at once, telling no one: what a crash looks like to the rest of the cluster.</summary>
    public async Task KillAsync()
    {
        MessageCenter.Kill();
        await StopProbingAsync().ConfigureAwait(false);
        if (_membership is not null)
        {
            await _membership.StopLoopsAsync().ConfigureAwait(false);
        }
        if (_locator is not null)
        {
            await _locator.StopAsync().ConfigureAwait(false);
        }
        Catalog.Abandon();
        Router.Dispose();
    }

    private readonly CancellationTokenSource _probing = new();
    private Task _latencyProbes = Task.CompletedTask;

    private async Task StopProbingAsync()
    {
        await _probing.CancelAsync().ConfigureAwait(false);
        await _latencyProbes.ConfigureAwait(false);
    }

    /// <summary>Handles a message addressed to this silo.</summary>
    public void Dispatch(Message message, bool fromNetwork = false)
    {
        switch (message.Kind)
        {
            case MessageKind.Request:
                Catalog.ReceiveRequest(message, fromNetwork);
                break;
            case MessageKind.Response:
                Router.ReceiveResponse(message);
                break;
            case MessageKind.SystemRequest:
                _ = HandleSystemRequestAsync(message, Router.SendResponse);
                break;
            case MessageKind.Cancel:
                Catalog.CancelRequest(message);
                break;
            case MessageKind.CacheInvalidation:
                if (_locator is not null)
                {
                    Router.OnForwarded(message);
                }
                break;
        }
    }

    /// <summary>
    /// The provider of a persistent state: the one named, else the one registered under the grain
    /// class's migration strategy (or the cluster's default strategy), else the default provider.
    /// </summary>
    public (string Name, IGrainStorage Storage) ResolveStorage(string? storageName, GrainClassInfo classInfo, GrainId grainId)
    {
        if (storageName is null && (classInfo.Strategy ?? _migration.Options.DefaultStrategy) is { } strategy)
        {
            var byStrategy = strategy.ToString();
            var storage = Services.GetKeyedService<IGrainStorage>(byStrategy)
                ?? throw new InvalidOperationException($"Grain {grainId} uses the {byStrategy} migration strategy, but no storage provider is registered under the name '{byStrategy}' on this silo. Add one with silo.Add...GrainStorage(StorageNames.{byStrategy}).");
            return (byStrategy, storage);
        }
        var name = storageName ?? StorageNames.Default;
        return (name, ResolveStorage(name)
            ?? throw new InvalidOperationException($"Grain {grainId} uses storage provider '{name}', which is not configured on this silo. Add it with silo.Add...GrainStorage(\"{name}\")."));
    }

    /// <summary>The provider registered under <paramref name="name"/>, or null.</summary>
    public IGrainStorage? ResolveStorage(string name) => Services.GetKeyedService<IGrainStorage>(name);

    public string DescribeMethod(uint interfaceId, uint methodId) => MethodNames.Describe(interfaceId, methodId);

    /// <summary>Answers a system request; <paramref name="reply"/> sends the response.</summary>
    public async Task HandleSystemRequestAsync(Message request, Action<Message> reply)
    {
        PooledBuffer? result;
        try
        {
            result = request.SystemTarget switch
            {
                SystemTargetIds.Membership => await HandleMembershipAsync(request).ConfigureAwait(false),
                SystemTargetIds.Directory => await HandleDirectoryAsync(request).ConfigureAwait(false),
                SystemTargetIds.Gateway => HandleGateway(request),
                SystemTargetIds.Storage => DevelopmentGrainStorage.Handle(DevelopmentStore, request),
                SystemTargetIds.Migration => await _migration.HandleAsync(request).ConfigureAwait(false),
                _ => await HandleExtensionAsync(request).ConfigureAwait(false),
            };
        }
        catch (Exception e)
        {
            request.ReleasePayload();
            reply(request.CreateResponse(ResponseStatus.Exception, ExceptionCodec.Encode(e)));
            return;
        }
        request.ReleasePayload();
        reply(request.CreateResponse(ResponseStatus.Ok, result));
    }

    private async Task<PooledBuffer?> HandleExtensionAsync(Message request)
    {
        if (_extensionTargets is null || !_extensionTargets.TryGetValue(request.SystemTarget, out var target))
        {
            throw new GrainException($"Unknown system target {request.SystemTarget}.");
        }
        var payload = request.Payload is { } buffer ? buffer.WrittenMemory : ReadOnlyMemory<byte>.Empty;
        var result = await target.HandleAsync(request.SendingSilo, request.MethodId, payload, CancellationToken.None).ConfigureAwait(false);
        if (result.IsEmpty)
        {
            return null;
        }
        var response = new PooledBuffer(result.Length);
        result.Span.CopyTo(response.GetSpan(result.Length));
        response.Advance(result.Length);
        return response;
    }

    private static Dictionary<uint, ISystemTarget> ResolveExtensionTargets(IServiceProvider services)
    {
        var targets = new Dictionary<uint, ISystemTarget>();
        foreach (var target in services.GetServices<ISystemTarget>())
        {
            if (target.Id < SystemTargetIdRange.FirstExtensionId)
            {
                throw new InvalidOperationException($"System target {target.GetType()} uses id {target.Id}, which belongs to the runtime: use {SystemTargetIdRange.FirstExtensionId} or above.");
            }
            if (!targets.TryAdd(target.Id, target))
            {
                throw new InvalidOperationException($"System targets {targets[target.Id].GetType()} and {target.GetType()} both use id {target.Id}.");
            }
        }
        return targets;
    }

    private async Task<PooledBuffer?> HandleMembershipAsync(Message request)
    {
        var table = _membershipTable ?? throw NotStarted();
        switch (request.MethodId)
        {
            case SystemTargetIds.MembershipReadAll:
            {
                var entries = await table.ReadAllAsync().ConfigureAwait(false);
                var payload = new PooledBuffer();
                var w = new Writer(payload);
                foreach (var entry in entries)
                {
                    SystemCodecs.WriteEntry(ref w, 1, entry);
                }
                w.Commit();
                return payload;
            }
            case SystemTargetIds.MembershipUpsert:
                await table.UpsertAsync(ReadSingle(request, static (ref Reader r, WireType t) => SystemCodecs.ReadEntry(ref r, t))).ConfigureAwait(false);
                return null;
            case SystemTargetIds.MembershipMarkDead:
                await table.MarkDeadAsync(ReadSingle(request, static (ref Reader r, WireType t) => MessageSerializer.ReadSilo(ref r, t))).ConfigureAwait(false);
                return null;
            default:
                throw new GrainException($"Unknown membership method {request.MethodId}.");
        }
    }

    private async Task<PooledBuffer?> HandleDirectoryAsync(Message request)
    {
        var directory = _directory ?? throw NotStarted();
        GrainAddress? result = null;
        switch (request.MethodId)
        {
            case SystemTargetIds.DirectoryRegister:
            {
                GrainAddress? address = null, previous = null;
                var r = new Reader(request.PayloadSpan);
                while (r.TryReadFieldHeader(out var field, out var wireType))
                {
                    switch (field)
                    {
                        case 1: address = SystemCodecs.ReadAddress(ref r, wireType); break;
                        case 2: previous = SystemCodecs.ReadAddress(ref r, wireType); break;
                        default: r.SkipField(wireType); break;
                    }
                }
                result = await directory.RegisterAsync(address ?? throw new SerializationException("Register needs an address."), previous).ConfigureAwait(false);
                break;
            }
            case SystemTargetIds.DirectoryUnregister:
                await directory.UnregisterAsync(ReadSingle(request, static (ref Reader r, WireType t) => SystemCodecs.ReadAddress(ref r, t))).ConfigureAwait(false);
                break;
            case SystemTargetIds.DirectoryLookup:
                result = await directory.LookupAsync(ReadSingle(request, static (ref Reader r, WireType t) => SystemCodecs.ReadGrainId(ref r, t))).ConfigureAwait(false);
                break;
            case SystemTargetIds.DirectoryUnregisterSilos:
            {
                var silos = new List<SiloAddress>();
                var r = new Reader(request.PayloadSpan);
                while (r.TryReadFieldHeader(out var field, out var wireType))
                {
                    if (field == 1)
                    {
                        silos.Add(MessageSerializer.ReadSilo(ref r, wireType));
                    }
                    else
                    {
                        r.SkipField(wireType);
                    }
                }
                await directory.UnregisterSilosAsync(silos).ConfigureAwait(false);
                break;
            }
            default:
                throw new GrainException($"Unknown directory method {request.MethodId}.");
        }
        if (result is null)
        {
            return null;
        }
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteAddress(ref w, 1, result);
        w.Commit();
        return payload;
    }

    private PooledBuffer HandleGateway(Message request)
    {
        if (request.MethodId == SystemTargetIds.GatewayPing)
        {
            return new PooledBuffer();
        }
        if (request.MethodId != SystemTargetIds.GatewayGetManifest)
        {
            throw new GrainException($"Unknown gateway method {request.MethodId}.");
        }
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        foreach (var (interfaceType, grainType) in Manifest.InterfaceMap)
        {
            if (GrainCodeRegistry.TryGetInterface(interfaceType, out var descriptor))
            {
                w.WriteStartObject(1);
                w.WriteFieldHeader(1, WireType.Fixed32);
                w.WriteFixed32(descriptor.InterfaceId);
                SystemCodecs.WriteString(ref w, 2, grainType);
                w.WriteEndObject();
            }
        }
        foreach (var entry in Membership.Snapshot.Active)
        {
            MessageSerializer.WriteSilo(ref w, 2, entry.Address);
        }
        w.Commit();
        return payload;
    }

    private delegate T FieldReader<T>(ref Reader reader, WireType wireType);

    private static T ReadSingle<T>(Message request, FieldReader<T> read)
    {
        var r = new Reader(request.PayloadSpan);
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 1)
            {
                return read(ref r, wireType);
            }
            r.SkipField(wireType);
        }
        throw new SerializationException("The system request lacks its argument.");
    }

    private bool HasOtherActiveSilo()
    {
        foreach (var entry in Membership.Snapshot.Active)
        {
            if (!Local.IsLocal(entry.Address))
            {
                return true;
            }
        }
        return false;
    }

    private void OnSelfDeclaredDead()
    {
        if (Interlocked.Exchange(ref _declaredDead, 1) != 0)
        {
            return;
        }
        // The others have replaced this silo's activations or will: serving on would break
        // single activation. Stop at once, as Orleans does, and ask the host to exit.
        LogCriticalDeclaredDead(Logger, Local.Address);
        _ = KillAsync();
        Services.GetService<IHostApplicationLifetime>()?.StopApplication();
    }

    private void OnSiloDied(SiloAddress silo)
    {
        MessageCenter.Disconnect(silo);
        Router.FailCallsTo(silo, "it was declared dead");
    }

    private long NextGeneration()
    {
        var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Interlocked.Read(ref _lastGeneration);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastGeneration, next, last) == last)
            {
                return next;
            }
        }
    }

    private static InvalidOperationException NotStarted() => new("The silo has not started yet.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} started on edge node {NodeName}")]
    private static partial void LogInformationStarted(ILogger logger, SiloAddress silo, string nodeName);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {Silo} was declared dead by the cluster: it stops serving now")]
    private static partial void LogCriticalDeclaredDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} is stopping")]
    private static partial void LogInformationStopping(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown was cut short with {Count} activations still deactivating")]
    private static partial void LogWarningDeactivationCut(ILogger logger, int count);
}
