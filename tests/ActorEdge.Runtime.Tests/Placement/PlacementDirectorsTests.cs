using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Placement;

public sealed class PlacementDirectorsTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(3);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task PreferLocal_FirstCallFromEachSilo_PlacesOnTheCallersSilo()
    {
        foreach (var silo in _cluster.Silos)
        {
            var key = Clusters.NewKey();

            var placed = await silo.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify();

            Assert.Equal(silo.Address.ToString(), placed.Silo);
        }
    }

    [Fact]
    public async Task HashBased_SameKeyFromDifferentCallers_PlacesOnTheSiloChosenByTheStableHash()
    {
        var sorted = _cluster.Silos.Select(s => s.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        var callers = _cluster.Silos.Select(s => s.GrainFactory).Append(_cluster.GrainFactory).ToArray();
        for (var i = 0; i < 12; i++)
        {
            var key = Clusters.NewKey();
            var grainId = Clusters.IdOf(_cluster.GrainFactory.GetGrain<IHashProbeGrain>(key));
            var expected = sorted[grainId.StableHashCode % (uint)sorted.Length].ToString();

            var first = await callers[i % callers.Length].GetGrain<IHashProbeGrain>(key).Identify();
            await callers[i % callers.Length].GetGrain<IHashProbeGrain>(key).DeactivateSoon();
            await Wait.UntilAsync(() => Probe.For(key).Deactivations.Count == 1, "the first activation to deactivate");
            var second = await callers[(i + 1) % callers.Length].GetGrain<IHashProbeGrain>(key).Identify();

            Assert.Equal(expected, first.Silo);
            Assert.Equal(expected, second.Silo);
            Assert.NotEqual(first.ActivationId, second.ActivationId);
        }
    }

    [Fact]
    public async Task PlacementHint_SetInRequestContext_PlacesTheNewActivationOnTheHintedSilo()
    {
        foreach (var target in _cluster.Silos)
        {
            foreach (var caller in new[] { _cluster.GrainFactory, _cluster.Silos[0].GrainFactory })
            {
                var key = Clusters.NewKey();
                RequestContext.Set(RequestContext.PlacementHintKey, target.Address.ToString());
                ActivationInfo placed;
                try
                {
                    placed = await caller.GetGrain<IRandomProbeGrain>(key).Identify();
                }
                finally
                {
                    RequestContext.Clear();
                }

                Assert.Equal(target.Address.ToString(), placed.Silo);
            }
        }
    }
}
