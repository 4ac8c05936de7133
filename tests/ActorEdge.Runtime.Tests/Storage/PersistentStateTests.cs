using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Storage;

public sealed class PersistentStateTests : IAsyncLifetime
{
    private readonly MemoryGrainStorage _shared = new("actoredge");
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() =>
        _cluster = await Clusters.StartAsync(2, b => b.ConfigureSilos(s => s.Services.AddKeyedSingleton<IGrainStorage>("store", _shared)));

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task ReadAsync_RecordWrittenBeforeActivation_IsTheStateOnActivation()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<IStateGrain>(key);
        var stored = new GrainState<CounterState>(new CounterState { Value = 41 });
        await _shared.WriteStateAsync("state", Clusters.IdOf(grain), stored);

        Assert.Equal(41, await grain.Get());
        Assert.True(await grain.RecordExists());
        Assert.Equal(stored.ETag, await grain.Etag());
    }

    [Fact]
    public async Task WriteStateAsync_ThroughTheGrain_IsStoredWithTheGrainsETag()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<IStateGrain>(key);

        await grain.Set(5);
        await grain.Set(6);

        var read = new GrainState<CounterState>(new CounterState());
        await _shared.ReadStateAsync("state", Clusters.IdOf(grain), read);
        Assert.Equal(6, read.State.Value);
        Assert.Equal(read.ETag, await grain.Etag());
    }

    [Fact]
    public async Task WriteStateAsync_RecordChangedBehindTheGrain_ThrowsInconsistentStateToTheCallerAndKeepsTheOtherWrite()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.Silos[1].GrainFactory.GetGrain<IStateGrain>(key);
        await grain.Set(1);
        var behind = new GrainState<CounterState>(new CounterState());
        await _shared.ReadStateAsync("state", Clusters.IdOf(grain), behind);
        behind.State.Value = 100;
        await _shared.WriteStateAsync("state", Clusters.IdOf(grain), behind);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _cluster.GrainFactory.GetGrain<IStateGrain>(key).Set(2));

        Assert.Equal(behind.ETag, error.StoredEtag);
        var read = new GrainState<CounterState>(new CounterState());
        await _shared.ReadStateAsync("state", Clusters.IdOf(grain), read);
        Assert.Equal(100, read.State.Value);
    }

    [Fact]
    public async Task WriteStateAsync_SecondHandleWithStaleETag_ThrowsAndTheFirstWriteStands()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<ITwoHandleGrain>(key);

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.WriteThroughBoth(10, 20));

        var values = await grain.Reread();
        Assert.Equal(new[] { 10, 10 }, values);
    }

    [Fact]
    public async Task ClearStateAsync_ThroughTheGrain_RemovesTheRecordAndResetsTheState()
    {
        var key = Clusters.NewKey();
        var grain = _cluster.GrainFactory.GetGrain<IStateGrain>(key);
        await grain.Set(9);

        await grain.Clear();

        Assert.Equal(0, await grain.Get());
        Assert.False(await grain.RecordExists());
        Assert.Null(await grain.Etag());
        var read = new GrainState<CounterState>(new CounterState());
        await _shared.ReadStateAsync("state", Clusters.IdOf(grain), read);
        Assert.False(read.RecordExists);
        // Writing again after a clear starts a new record.
        await grain.Set(3);
        await _shared.ReadStateAsync("state", Clusters.IdOf(grain), read);
        Assert.Equal(3, read.State.Value);
    }
}
