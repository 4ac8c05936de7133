using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.SystemTargets;

public sealed class SiloMessengerTests
{
    private sealed class EchoTarget : ISystemTarget
    {
        public uint Id => 300;

        public ValueTask<ReadOnlyMemory<byte>> HandleAsync(SiloAddress? sender, uint method, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            if (method == 2)
            {
                throw new InvalidOperationException("no such method");
            }
            var reply = new byte[payload.Length + 1];
            reply[0] = (byte)method;
            payload.Span.CopyTo(reply.AsSpan(1));
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(reply);
        }
    }

    [Fact]
    public async Task SendAsync_ToExtensionTarget_ReturnsItsResponseAndRelaysItsException()
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.ConnectClient = false;
        builder.ConfigureSilos(s => s.Services.AddSingleton<ISystemTarget, EchoTarget>());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var messenger = cluster.Silos[0].Services.GetRequiredService<ISiloMessenger>();

        var reply = await messenger.SendAsync(cluster.Silos[1].Address, 300, 7, new byte[] { 1, 2, 3 }, cancellationToken: TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => messenger.SendAsync(cluster.Silos[1].Address, 300, 2, ReadOnlyMemory<byte>.Empty, cancellationToken: TestContext.Current.CancellationToken));
        var unknown = await Assert.ThrowsAnyAsync<GrainException>(() => messenger.SendAsync(cluster.Silos[1].Address, 301, 1, ReadOnlyMemory<byte>.Empty, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal([7, 1, 2, 3], reply);
        Assert.Contains("no such method", error.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown system target 301", unknown.Message, StringComparison.Ordinal);
        // Ports are random, so compare as sets.
        Assert.Equal(new HashSet<SiloAddress> { cluster.Silos[0].Address, cluster.Silos[1].Address }, messenger.ActiveSilos.ToHashSet());
        Assert.Equal(2, messenger.ActiveSilos.Count);
        Assert.Equal(cluster.Silos[0].Address, messenger.LocalSilo);
    }
}
