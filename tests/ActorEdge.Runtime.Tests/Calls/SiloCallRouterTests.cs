using ActorEdge.Invocation;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;

namespace ActorEdge.Runtime.Tests.Calls;

public sealed class SiloCallRouterTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await Clusters.StartAsync(2);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    public static TheoryData<string> Callers => ["silo 1", "client"];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task RespondWithError_GrainThrowsOnAnotherSilo_CallerGetsSameTypeAndMessage(string caller)
    {
        var key = Clusters.NewKey();
        var grain = await PlaceThrowerOnSilo0Async(key, caller);

        var invalid = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowInvalidOperation("no such state"));
        Assert.Equal("no such state", invalid.Message);
        var argument = await Assert.ThrowsAsync<ArgumentException>(() => grain.ThrowArgument("bad argument"));
        Assert.Equal("bad argument", argument.Message);
        var custom = await Assert.ThrowsAsync<TestGrainException>(() => grain.ThrowCustom("custom failure"));
        Assert.Equal("custom failure", custom.Message);
        var synchronous = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowSynchronously("thrown at once"));
        Assert.Equal("thrown at once", synchronous.Message);

        // The activation survives its exceptions.
        Assert.Equal(_cluster.Silos[0].Address.ToString(), (await grain.Identify()).Silo);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task StartRequest_UnknownMethodId_FailsWithGrainMethodNotFoundException(string caller)
    {
        var key = Clusters.NewKey();
        var grain = await PlaceThrowerOnSilo0Async(key, caller);
        var reference = (GrainReference)grain;

        var request = reference.Runtime.CreateRequest(reference, reference.InterfaceId, 0x0BADF00Du, InvokeMethodOptions.None);
        var error = await Assert.ThrowsAsync<GrainMethodNotFoundException>(() => reference.Runtime.InvokeAsync(request));
        Assert.Contains("0x0badf00d", error.Message);

        var unknownInterface = reference.Runtime.CreateRequest(reference, 0x12345678u, 1u, InvokeMethodOptions.None);
        var interfaceError = await Assert.ThrowsAsync<GrainMethodNotFoundException>(() => reference.Runtime.InvokeAsync(unknownInterface));
        Assert.Contains("12345678", interfaceError.Message);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task InvokeOneWay_GrainBlockedOnGate_CallerTaskCompletesAtOnceAndGrainRunsItLater(string caller)
    {
        var key = Clusters.NewKey();
        var probe = Probe.For(key);
        var grain = Factory(caller).GetGrain<IGateGrain>(key);

        var fired = grain.Fire(7);

        Assert.True(fired.IsCompletedSuccessfully);
        Assert.Empty(probe.Events);
        probe.Gate.SetResult();
        await Wait.UntilAsync(() => probe.Events.Count == 1, "the grain to run the one-way call");
        Assert.Equal(["fire:7"], probe.Events);
    }

    [Fact]
    public async Task SendRequest_RequestContextSetOnClient_VisibleInGrainAndInItsCallToAnotherSilo()
    {
        var key = Clusters.NewKey();
        var otherKey = Clusters.NewKey();
        var silo0 = _cluster.Silos[0];
        var silo1 = _cluster.Silos[1];
        // The first grain lives on silo 0, the one it calls on silo 1 (both prefer their first caller's silo).
        Assert.Equal(silo0.Address.ToString(), (await silo0.GrainFactory.GetGrain<ILocalProbeGrain>(key).Identify()).Silo);
        Assert.Equal(silo1.Address.ToString(), (await silo1.GrainFactory.GetGrain<ILocalProbeGrain>(otherKey).Identify()).Silo);

        RequestContext.Set("tenant", "acme");
        ContextReport[] reports;
        try
        {
            reports = await _cluster.GrainFactory.GetGrain<ILocalProbeGrain>(key).ReadContextVia("tenant", otherKey);
        }
        finally
        {
            RequestContext.Clear();
        }

        Assert.Equal([new ContextReport(silo0.Address.ToString(), "acme"), new ContextReport(silo1.Address.ToString(), "acme")], reports);
        // Nothing leaks into a call made without it.
        Assert.Null((await _cluster.GrainFactory.GetGrain<ILocalProbeGrain>(key).ReadContext("tenant")).Value);
    }

    private IGrainFactory Factory(string caller) => caller == "client" ? _cluster.GrainFactory : _cluster.Silos[1].GrainFactory;

    private async Task<IThrowerGrain> PlaceThrowerOnSilo0Async(string key, string caller)
    {
        var placed = await _cluster.Silos[0].GrainFactory.GetGrain<IThrowerGrain>(key).Identify();
        Assert.Equal(_cluster.Silos[0].Address.ToString(), placed.Silo);
        return Factory(caller).GetGrain<IThrowerGrain>(key);
    }
}
