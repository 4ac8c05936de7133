using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Management;
using ActorEdge.TestingHost;
using Xunit;

namespace ActorEdge.Testing.Migration;

/// <summary>
/// The guarantees of DESIGN.md §7 for one strategy and store: every backend's tests inherit this
/// suite and register their provider under the strategy's name. Three real silos over loopback TCP;
/// the grains write their state before answering every call, so a lost or stale ETag fails a call.
/// </summary>
public abstract class MigrationStrategyTestsBase
{
    /// <summary>The strategy under test (the grain class the suite uses carries it).</summary>
    protected abstract MigrationStrategy Strategy { get; }

    /// <summary>Registers the provider under test as <c>Strategy.ToString()</c> on silo <paramref name="index"/> (0, 1, 2, ...).</summary>
    protected abstract void ConfigureSilo(ISiloBuilder silo, int index);

    /// <summary>How many migrations the long test makes. <value>200.</value></summary>
    protected virtual int Migrations => 200;

    /// <summary>Backend checks once the grain rests on silo <paramref name="hostIndex"/> with <paramref name="count"/> calls stored (where the record lives, who leads).</summary>
    protected virtual Task AssertStateHomeAsync(TestCluster cluster, GrainId grainId, int hostIndex, int count) => Task.CompletedTask;

    protected async Task<TestCluster> StartClusterAsync(int silos = 3)
    {
        var cluster = new TestClusterBuilder(silos).ConfigureSilos(ConfigureSilo).Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    protected IStrategyGrain GetGrain(IGrainFactory factory, string key) => Strategy switch
    {
        MigrationStrategy.Centralized => factory.GetGrain<ICentralizedStrategyGrain>(key),
        MigrationStrategy.Reactive => factory.GetGrain<IReactiveStrategyGrain>(key),
        _ => factory.GetGrain<IProactiveStrategyGrain>(key),
    };

    /// <summary>Activates the grain on <paramref name="silo"/> through a placement hint.</summary>
    protected async Task<IStrategyGrain> ActivateOnAsync(TestCluster cluster, string key, SiloHandle silo)
    {
        var grain = GetGrain(cluster.GrainFactory, key);
        RequestContext.Set(RequestContext.PlacementHintKey, silo.Address.ToString());
        try
        {
            Assert.Equal(silo.Address.ToString(), await grain.Where());
        }
        finally
        {
            RequestContext.Clear();
        }
        return grain;
    }

    protected static GrainId IdOf(IStrategyGrain grain) => ((GrainReference)grain).GrainId;

    protected static int IndexOf(TestCluster cluster, string address)
    {
        for (var i = 0; i < cluster.Silos.Count; i++)
        {
            if (cluster.Silos[i].Address.ToString() == address)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"No silo {address} in the cluster.");
    }

    [Fact]
    public async Task Migrate_ManyTimesWhileThreeCallersSendNumberedRequests_EveryRequestOnceInOrderStateIntactOneActivation()
    {
        await using var cluster = await StartClusterAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, cluster.Silos[0]);
        var id = IdOf(grain);
        var callers = new (string Name, IGrainFactory Factory)[]
        {
            ("client", cluster.GrainFactory),
            ("silo-1", cluster.Silos[1].GrainFactory),
            ("silo-2", cluster.Silos[2].GrainFactory),
        };
        var acknowledged = new int[callers.Length];
        using var stop = new CancellationTokenSource();
        var calling = new Task[callers.Length];
        for (var c = 0; c < callers.Length; c++)
        {
            var index = c;
            calling[c] = Task.Run(async () =>
            {
                var target = GetGrain(callers[index].Factory, key);
                for (var sequence = 1; !stop.IsCancellationRequested; sequence++)
                {
                    await target.Call(callers[index].Name, sequence);
                    acknowledged[index] = sequence;
                }
            });
        }

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var migrated = 0;
        for (var attempt = 1; migrated < Migrations; attempt++)
        {
            if (await management.MigrateAsync(id, cluster.Silos[attempt % cluster.Silos.Count].Address).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                migrated++;
            }
        }
        stop.Cancel();
        await Task.WhenAll(calling).WaitAsync(TimeSpan.FromSeconds(30));

        var total = 0;
        for (var c = 0; c < callers.Length; c++)
        {
            Assert.True(acknowledged[c] > 0, $"caller {callers[c].Name} got no answer");
            Assert.Equal(Enumerable.Range(1, acknowledged[c]).ToArray(), await grain.Received(callers[c].Name));
            total += acknowledged[c];
        }
        Assert.Equal(total, await grain.Count());
        var tracker = StrategyTracker.For(key);
        Assert.Equal(1, tracker.MaxInside);
        Assert.Equal(1, tracker.MaxAlive);
        Assert.Equal(1 + Migrations, tracker.Activations);
        var host = IndexOf(cluster, await grain.Where());
        Assert.Equal(1, cluster.ActiveSilos.Count(s => s.HostsActivation(id)));
        await AssertStateHomeAsync(cluster, id, host, total);
    }

    [Fact]
    public async Task Migrate_TargetSiloKilled_FailsCleanlyAndTheStateIsIntact()
    {
        await using var cluster = await StartClusterAsync();
        var key = Guid.NewGuid().ToString("N");
        var grain = await ActivateOnAsync(cluster, key, cluster.Silos[0]);
        var id = IdOf(grain);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }
        var target = cluster.Silos[1];
        await cluster.KillSiloAsync(target);

        // Either the target's death is not declared yet (the hand-over is attempted and fails, and the
        // source deactivates), or it is, and the request is refused before anything moves.
        var management = cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0);
        var failure = await Assert.ThrowsAsync<GrainException>(() => management.MigrateAsync(id, target.Address));
        var attempted = !failure.Message.Contains("not an active silo", StringComparison.Ordinal);

        // The next call finds the grain, or activates it again from the stored state.
        Assert.Equal(6, await grain.Call("c", 6));
        Assert.NotEqual(target.Address.ToString(), await grain.Where());
        var tracker = StrategyTracker.For(key);
        Assert.Equal(attempted ? 2 : 1, tracker.Activations);
        Assert.Equal(1, tracker.MaxAlive);
        Assert.Equal(1, tracker.MaxInside);
    }

    [Fact]
    public async Task Migrate_SourceKilledRightAfterHandOver_TargetServesWithTheMigratedState()
    {
        await using var cluster = await StartClusterAsync();
        var key = Guid.NewGuid().ToString("N");
        var source = cluster.Silos[1];
        var target = cluster.Silos[2];
        var grain = await ActivateOnAsync(cluster, key, source);
        var id = IdOf(grain);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await grain.Call("c", i));
        }

        Assert.True(await cluster.Silos[0].GrainFactory.GetGrain<IManagementGrain>(0).MigrateAsync(id, target.Address));
        await cluster.KillSiloAsync(source);

        Assert.Equal(target.Address.ToString(), await grain.Where());
        Assert.Equal(4, await grain.Call("c", 4));
        Assert.Equal(new[] { 1, 2, 3, 4 }, await grain.Received("c"));
        Assert.Equal(2, StrategyTracker.For(key).Activations);
        await AssertStateHomeAsync(cluster, id, 2, 4);
    }
}
