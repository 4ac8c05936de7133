using ActorEdge.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Hosts an ActorEdge cluster client in a .NET host.</summary>
public static class ActorEdgeClientHostingExtensions
{
    /// <summary>
    /// Adds an <see cref="IClusterClient"/> that connects when the host starts and closes when it stops.
    /// </summary>
    public static IHostApplicationBuilder UseActorEdgeClient(this IHostApplicationBuilder builder, Action<ClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ClientOptions>().Configure(configure).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClientOptions>, ClientOptionsValidator>();
        builder.Services.AddSingleton(sp => new ClusterClient(
            new ClientCallRuntime(sp.GetRequiredService<IOptions<ClientOptions>>().Value, TimeProvider.System, sp.GetRequiredService<ILogger<ClusterClient>>()), sp));
        builder.Services.AddSingleton<IClusterClient>(sp => sp.GetRequiredService<ClusterClient>());
        builder.Services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>());
        builder.Services.AddHostedService<ClientHostedService>();
        return builder;
    }

    private sealed class ClientHostedService(ClusterClient client) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => client.ConnectAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => client.DisposeAsync().AsTask();
    }
}
