using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Storage;

public sealed class StorageMetricsTests
{
    [Fact]
    public async Task PersistentState_ReadsWritesAndClears_AreMeasuredPerProviderOperationAndOutcome()
    {
        var store = new NodeStores().For(0);
        await using var cluster = await Clusters.StartAsync(1, b => b.ConfigureSilos(s => s.Services.AddKeyedSingleton<IGrainStorage>("metered", store)));
        var measured = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorEdge" && instrument.Name == "actoredge.storage.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? provider = null, operation = null, outcome = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "provider": provider = tag.Value as string; break;
                    case "operation": operation = tag.Value as string; break;
                    case "outcome": outcome = tag.Value as string; break;
                }
            }
            if (provider == "metered" && value >= 0)
            {
                measured.Enqueue($"{operation}:{outcome}");
            }
        });
        listener.Start();

        var grain = cluster.GrainFactory.GetGrain<IMeteredGrain>(Clusters.NewKey());
        Assert.Equal(1, await grain.Increment());
        Assert.Equal(2, await grain.Increment());
        await grain.Clear();

        Assert.Equal(["read:ok", "write:ok", "write:ok", "clear:ok"], measured.ToArray());
    }
}
