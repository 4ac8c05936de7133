using ActorEdge.Runtime.SystemTargets;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Edge;

/// <summary>
/// Measures the round trip from this silo to one silo of every other edge node, periodically, with
/// a system ping over the ordinary silo connections (so it sees what calls see: the link, any
/// proxy on it, the peer's receive loop), and feeds <see cref="EdgeTopology"/>.
/// </summary>
internal static class LatencyProber
{
    public static Task Start(SiloRuntime runtime, CancellationToken cancellationToken)
    {
        var interval = runtime.EdgeTopology.Options.LatencyProbeInterval;
        return interval is { } period && period > TimeSpan.Zero ? RunAsync(runtime, period, cancellationToken) : Task.CompletedTask;
    }

    private static async Task RunAsync(SiloRuntime runtime, TimeSpan period, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, runtime.TimeProvider);
        try
        {
            await ProbeOnceAsync(runtime).ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await ProbeOnceAsync(runtime).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Pings one silo of each other node at once; a failed or late ping records nothing.</summary>
    public static async Task ProbeOnceAsync(SiloRuntime runtime)
    {
        var local = runtime.Local.NodeName;
        var probed = new HashSet<string>(StringComparer.Ordinal) { local };
        var pings = new List<Task>();
        foreach (var entry in runtime.Membership.Snapshot.Active)
        {
            if (entry.NodeName is { } node && probed.Add(node))
            {
                pings.Add(PingAsync(runtime, entry.Address, node));
            }
        }
        await Task.WhenAll(pings).ConfigureAwait(false);
    }

    private static async Task PingAsync(SiloRuntime runtime, SiloAddress silo, string node)
    {
        var time = runtime.TimeProvider;
        var start = time.GetTimestamp();
        try
        {
            var response = await runtime.Router.SystemCallAsync(silo, SystemTargetIds.Gateway, SystemTargetIds.GatewayPing, new PooledBuffer(), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            response.ReleasePayload();
        }
        catch (Exception)
        {
            // An unreachable silo is the failure detector's business; a missing sample changes nothing.
            return;
        }
        runtime.EdgeTopology.RecordRoundTrip(node, time.GetElapsedTime(start).TotalMilliseconds);
    }
}
