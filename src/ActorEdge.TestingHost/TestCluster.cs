using System.Net;
using ActorEdge.Client;
using ActorEdge.Hosting;
using ActorEdge.Runtime;
using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorEdge.TestingHost;

/// <summary>
/// A cluster of real silos in this process, talking over loopback TCP, with a client connected
/// to their gateways. Silos can be added, stopped gracefully and killed abruptly at run time.
/// </summary>
public sealed partial class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly List<SiloHandle> _silos = [];
    private readonly InMemoryMembershipTable _table = new(TimeProvider.System);
    private readonly InMemoryGrainDirectory _directory = new();
    private ClusterClient? _client;
    private int _nextIndex;

    /// <summary>Creates a cluster; nothing runs until <see cref="DeployAsync"/>.</summary>
    public TestCluster(TestClusterOptions options)
    {
        _options = options;
    }

    /// <summary>Every silo started so far, including stopped and killed ones.</summary>
    public IReadOnlyList<SiloHandle> Silos => _silos;

    /// <summary>The silos still running.</summary>
    public IReadOnlyList<SiloHandle> ActiveSilos => _silos.Where(s => s.IsActive).ToList();

    /// <summary>The client connected to the silos' gateways.</summary>
    public ClusterClient Client => _client ?? throw new InvalidOperationException("The cluster has no client: deploy it with ConnectClient = true, or call ConnectClientAsync.");

    /// <summary>The grain factory of the client.</summary>
    public IGrainFactory GrainFactory => Client;

    /// <summary>Starts the initial silos and connects the client.</summary>
    public async Task DeployAsync()
    {
        for (var i = 0; i < _options.InitialSilosCount; i++)
        {
            await StartSiloAsync().ConfigureAwait(false);
        }
        await WaitForMembershipAsync().ConfigureAwait(false);
        if (_options.ConnectClient)
        {
            _client = await ConnectClientAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Connects a new client to the gateways of the running silos (the caller disposes it).</summary>
    public Task<ClusterClient> ConnectClientAsync(Action<ClientOptions>? configure = null)
    {
        var options = new ClientOptions { ClusterId = _options.ClusterId };
        foreach (var silo in ActiveSilos)
        {
            options.Gateways.Add(silo.Address.Endpoint);
        }
        if (_options.EmulatedEdge is { } edge)
        {
            var node = edge.ClientNode ?? edge.SiloNode(0);
            options.NodeName = node;
            options.GatewayEndpointResolver = endpoint => ClientLinkTo(node, endpoint).EndPoint;
        }
        configure?.Invoke(options);
        return ClusterClient.ConnectAsync(options);
    }

    /// <summary>
    /// Starts one more silo and, unless <paramref name="waitForMembership"/> is false, refreshes
    /// every running silo's view until all see it (false leaves that to the silos' own refreshes).
    /// </summary>
    public async Task<SiloHandle> StartAdditionalSiloAsync(bool waitForMembership = true)
    {
        var silo = await StartSiloAsync().ConfigureAwait(false);
        if (waitForMembership)
        {
            await WaitForMembershipAsync().ConfigureAwait(false);
        }
        return silo;
    }

    /// <summary>Stops a silo gracefully: its activations deactivate and it leaves the cluster.</summary>
    public async Task StopSiloAsync(SiloHandle silo)
    {
        if (!silo.IsActive)
        {
            return;
        }
        silo.IsActive = false;
        await silo.Host.StopAsync().ConfigureAwait(false);
        silo.Host.Dispose();
        await WaitForMembershipAsync().ConfigureAwait(false);
    }

    /// <summary>Kills a silo: connections drop, heartbeats stop, nothing is deactivated or unregistered.</summary>
    public async Task KillSiloAsync(SiloHandle silo)
    {
        if (!silo.IsActive)
        {
            return;
        }
        silo.IsActive = false;
        await silo.Runtime.KillAsync().ConfigureAwait(false);
        silo.Host.Dispose();
    }

    /// <summary>The running silo hosting an activation of <paramref name="grainId"/>, or null.</summary>
    public SiloHandle? GetHostingSilo(GrainId grainId) => ActiveSilos.FirstOrDefault(s => s.HostsActivation(grainId));

    /// <summary>The running silo hosting the grain behind <paramref name="grain"/>, or null.</summary>
    public SiloHandle? GetHostingSilo(IAddressable grain) =>
        GetHostingSilo(((Invocation.GrainReference)grain).GrainId);

    /// <summary>Waits until every running silo's membership view lists exactly the running silos.</summary>
    public async Task WaitForMembershipAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var running = ActiveSilos.Select(s => s.Address).ToHashSet();
            var settled = true;
            foreach (var silo in ActiveSilos)
            {
                await silo.Runtime.Membership.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
                var view = silo.Runtime.Membership.Snapshot.Active.Select(e => e.Address).ToHashSet();
                settled &= view.SetEquals(running);
            }
            if (settled)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The silos' membership views did not converge.");
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Stops every silo gracefully and closes the client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var silo in _silos.Where(s => s.IsActive).Reverse())
        {
            silo.IsActive = false;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await silo.Host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await silo.Runtime.KillAsync().ConfigureAwait(false);
            }
            silo.Host.Dispose();
        }
        await DisposeLinksAsync().ConfigureAwait(false);
    }

    private string NodeOf(int index) => _options.EmulatedEdge is { } edge ? edge.SiloNode(index) : _options.NodeName(index);

    private async Task<SiloHandle> StartSiloAsync()
    {
        var index = _nextIndex++;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = $"silo-{index}" });
        builder.Logging.ClearProviders();
        _options.ConfigureLogging?.Invoke(builder.Logging);
        builder.UseActorEdge(silo =>
        {
            if (_options.UseDevelopmentClustering)
            {
                var primary = _silos.Count == 0 ? null : _silos[0].Address.Endpoint;
                silo.UseLocalhostClustering(port: 0, primarySiloEndpoint: primary, clusterId: _options.ClusterId);
            }
            else
            {
                silo.Configure<SiloOptions>(o =>
                {
                    o.Port = 0;
                    o.ClusterId = _options.ClusterId;
                });
                silo.UseInProcessClustering(_table, _directory);
            }
            silo.Configure<SiloOptions>(o =>
            {
                o.ListenAddress = IPAddress.Loopback;
                o.NodeName = NodeOf(index);
                o.SiloName = $"silo-{index}";
            });
            if (_options.EmulatedEdge is { } edge)
            {
                // The port is chosen before the start, so that the link to this silo knows its node
                // as soon as any silo learns of it.
                var port = ReserveEndpoint(index);
                silo.Configure<SiloOptions>(o => o.Port = port);
                silo.Configure<MessagingOptions>(o => o.SiloEndpointResolver = target => SiloLinkTo(index, target.Endpoint).EndPoint);
                silo.Configure<EdgeOptions>(o => edge.ApplyTo(o, EmulatedNodes(index)));
            }
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.HeartbeatPeriod = TimeSpan.FromMilliseconds(200);
                o.RefreshPeriod = TimeSpan.FromMilliseconds(200);
                o.DeathTimeout = TimeSpan.FromSeconds(5);
            });
            foreach (var configure in _options.SiloConfigurators)
            {
                configure(silo, index);
            }
        });
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        var handle = new SiloHandle(index, host, host.Services.GetRequiredService<SiloRuntime>());
        _silos.Add(handle);
        return handle;
    }
}
