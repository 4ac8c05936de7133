using ActorEdge.Runtime;
using Microsoft.Extensions.Hosting;

namespace ActorEdge.Hosting;

/// <summary>Starts the silo with the host and stops it gracefully with the host.</summary>
internal sealed class SiloHostedService(SiloRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
