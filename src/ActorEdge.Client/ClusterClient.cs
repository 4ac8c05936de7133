using ActorEdge.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorEdge.Client;

/// <summary>
/// A connection to an ActorEdge cluster from outside it. Create one with
/// <see cref="ConnectAsync(ClientOptions, ILoggerFactory?, CancellationToken)"/> or from a host
/// with <c>UseActorEdgeClient</c>; share it; dispose it when done.
/// </summary>
public sealed class ClusterClient : IClusterClient, IAsyncDisposable
{
    private readonly ClientCallRuntime _runtime;

    internal ClusterClient(ClientCallRuntime runtime, IServiceProvider services)
    {
        _runtime = runtime;
        ServiceProvider = services;
    }

    /// <inheritdoc />
    public IServiceProvider ServiceProvider { get; }

    /// <summary>The silo whose gateway the client is connected to, or null while disconnected.</summary>
    public SiloAddress? Gateway => _runtime.Gateway;

    /// <summary>Creates a client and connects it to the first gateway of <paramref name="options"/> that answers.</summary>
    public static async Task<ClusterClient> ConnectAsync(ClientOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new ClientOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(ClientOptions), typeof(ClientOptions), validation.Failures);
        }
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ClusterClient>();
        var runtime = new ClientCallRuntime(options, TimeProvider.System, logger);
        var client = new ClusterClient(runtime, EmptyServices.Instance);
        try
        {
            await runtime.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            runtime.Dispose();
            throw;
        }
        return client;
    }

    internal Task ConnectAsync(CancellationToken cancellationToken) => _runtime.ConnectAsync(cancellationToken);

    /// <summary>The silos the gateway currently sees as active (the client also learns them as gateways).</summary>
    public Task<IReadOnlyList<SiloAddress>> GetActiveSilosAsync(CancellationToken cancellationToken = default) => _runtime.GetActiveSilosAsync(cancellationToken);

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey) where TGrainInterface : IGrainWithStringKey => _runtime.GetGrain<TGrainInterface>(primaryKey);

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey) where TGrainInterface : IGrainWithGuidKey => _runtime.GetGrain<TGrainInterface>(primaryKey);

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey) where TGrainInterface : IGrainWithIntegerKey => _runtime.GetGrain<TGrainInterface>(primaryKey);

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain => _runtime.GetGrain<TGrainInterface>(grainId);

    /// <summary>Closes the connection; pending calls fail.</summary>
    public ValueTask DisposeAsync()
    {
        _runtime.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
