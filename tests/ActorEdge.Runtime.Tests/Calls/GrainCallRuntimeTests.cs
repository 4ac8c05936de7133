using System.Diagnostics;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Calls;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;

namespace ActorEdge.Runtime.Tests.Calls;

public sealed class GrainCallRuntimeTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SweepExpired_NoResponseWithinResponseTimeout_FailsWithTimeoutExceptionAtTheBoundAndSendsCancel()
    {
        var time = new ManualTimeProvider();
        using var runtime = new RecordingCallRuntime(new MessagingOptions { ResponseTimeout = OneSecond }, time);
        var grain = runtime.GetGrain<IHangGrain>("k");

        var call = grain.Hang(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(call.IsCompleted);
        Assert.Equal(1, runtime.PendingCallCount);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("IHangGrain.Hang", error.Message);
        Assert.Contains("hang/k", error.Message);
        Assert.Contains("00:00:01", error.Message);
        Assert.Equal(0, runtime.PendingCallCount);
        var cancel = Assert.Single(runtime.Cancellations);
        Assert.Equal(runtime.Sent[0].CorrelationId, cancel.CorrelationId);
    }

    [Fact]
    public async Task SweepExpired_MethodWithResponseTimeoutAttribute_UsesTheMethodsTimeout()
    {
        var time = new ManualTimeProvider();
        using var runtime = new RecordingCallRuntime(new MessagingOptions { ResponseTimeout = OneSecond }, time);
        var grain = runtime.GetGrain<IHangGrain>("k");

        var longer = grain.HangLonger(CancellationToken.None);
        var shorter = grain.HangShorter(CancellationToken.None);
        Assert.Equal(1500, runtime.Sent[0].TimeToLiveMs);
        Assert.Equal(300, runtime.Sent[1].TimeToLiveMs);

        time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.False(shorter.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Contains("IHangGrain.HangShorter", (await Assert.ThrowsAsync<TimeoutException>(() => shorter)).Message);

        time.Advance(TimeSpan.FromMilliseconds(1199));
        Assert.False(longer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Contains("IHangGrain.HangLonger", (await Assert.ThrowsAsync<TimeoutException>(() => longer)).Message);
    }

    [Fact]
    public async Task ReceiveResponse_AfterTheCallTimedOut_IsDropped()
    {
        var time = new ManualTimeProvider();
        using var runtime = new RecordingCallRuntime(new MessagingOptions { ResponseTimeout = OneSecond }, time);
        var call = runtime.GetGrain<IHangGrain>("k").Hang(CancellationToken.None);
        time.Advance(OneSecond);
        await Assert.ThrowsAsync<TimeoutException>(() => call);

        runtime.ReceiveResponse(runtime.Sent[0].CreateResponse(ResponseStatus.Ok, null));

        Assert.True(call.IsFaulted);
        Assert.Equal(0, runtime.PendingCallCount);
    }

    [Fact]
    public async Task Cancel_CallersTokenCanceled_CancelsTheCallAndSendsCancel()
    {
        var time = new ManualTimeProvider();
        using var runtime = new RecordingCallRuntime(new MessagingOptions { ResponseTimeout = OneSecond }, time);
        using var cts = new CancellationTokenSource();
        var call = runtime.GetGrain<IHangGrain>("k").Hang(cts.Token);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
        Assert.Equal(0, runtime.PendingCallCount);
        Assert.Equal(runtime.Sent[0].CorrelationId, Assert.Single(runtime.Cancellations).CorrelationId);
    }

    [Fact]
    public async Task ReceiveResponse_OkResponse_CompletesOnlyTheMatchingCall()
    {
        var time = new ManualTimeProvider();
        using var runtime = new RecordingCallRuntime(new MessagingOptions { ResponseTimeout = OneSecond }, time);
        var grain = runtime.GetGrain<IHangGrain>("k");
        var first = grain.Hang(CancellationToken.None);
        var second = grain.Hang(CancellationToken.None);

        runtime.ReceiveResponse(runtime.Sent[1].CreateResponse(ResponseStatus.Ok, null));

        await second;
        Assert.False(first.IsCompleted);
        Assert.Equal(1, runtime.PendingCallCount);
    }

    [Fact]
    public async Task InvokeAsync_GrainNeverAnswersInCluster_FailsWithTimeoutExceptionNamingMethodAfterTheBound()
    {
        await using var cluster = await Clusters.StartAsync(2, responseTimeout: OneSecond);
        await using var client = await Clusters.ConnectClientAsync(cluster, OneSecond);
        var key = Clusters.NewKey();

        foreach (var factory in new IGrainFactory[] { client, cluster.Silos[1].GrainFactory })
        {
            var grain = factory.GetGrain<IHangGrain>(key);
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<TimeoutException>(() => grain.Hang(CancellationToken.None));
            watch.Stop();

            Assert.True(watch.Elapsed >= OneSecond, $"timed out after {watch.Elapsed}");
            Assert.Contains("IHangGrain.Hang", error.Message);
            Assert.Contains($"hang/{key}", error.Message);
        }
        // The timeout canceled the callee's token too.
        await Wait.For(Probe.For(key).Canceled.Task, "the callee to observe the cancellation sent at the timeout");
    }

    [Fact]
    public async Task InvokeAsync_MethodWithLongerResponseTimeoutInCluster_WaitsForTheMethodsBound()
    {
        await using var cluster = await Clusters.StartAsync(2, responseTimeout: OneSecond);
        await using var client = await Clusters.ConnectClientAsync(cluster, OneSecond);
        var key = Clusters.NewKey();

        foreach (var factory in new IGrainFactory[] { client, cluster.Silos[0].GrainFactory })
        {
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<TimeoutException>(() => factory.GetGrain<IHangGrain>(key).HangLonger(CancellationToken.None));
            watch.Stop();

            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(1500), $"timed out after {watch.Elapsed}");
            Assert.Contains("IHangGrain.HangLonger", error.Message);
            Assert.Contains("00:00:01.5", error.Message);
        }
    }

    [Fact]
    public async Task Cancel_SiloCallersTokenCanceled_CallerTaskCanceledAndCalleeObservesCancellation()
    {
        await using var cluster = await Clusters.StartAsync(2);
        var key = Clusters.NewKey();
        // Place the grain on silo 0, call it from silo 1.
        RequestContext.Set(RequestContext.PlacementHintKey, cluster.Silos[0].Address.ToString());
        var grain = cluster.Silos[1].GrainFactory.GetGrain<IHangGrain>(key);
        using var cts = new CancellationTokenSource();
        var call = grain.Hang(cts.Token);
        RequestContext.Clear();
        await Wait.For(Probe.For(key).Entered.Task, "the call to reach the grain");
        Assert.True(cluster.Silos[0].HostsActivation(Clusters.IdOf(grain)));

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
        await Wait.For(Probe.For(key).Canceled.Task, "the callee to observe the cancellation");
    }

    [Fact]
    public async Task Cancel_ClientCallersTokenCanceled_CallerTaskCanceledAndCalleeObservesCancellation()
    {
        await using var cluster = await Clusters.StartAsync(2);
        var key = Clusters.NewKey();
        var grain = cluster.GrainFactory.GetGrain<IHangGrain>(key);
        using var cts = new CancellationTokenSource();
        var call = grain.Hang(cts.Token);
        await Wait.For(Probe.For(key).Entered.Task, "the call to reach the grain");

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
        await Wait.For(Probe.For(key).Canceled.Task, "the callee to observe the cancellation");
    }

    /// <summary>A call runtime that records what it would send, and never gets an answer unless told.</summary>
    private sealed class RecordingCallRuntime(MessagingOptions options, TimeProvider timeProvider) : GrainCallRuntime(options, timeProvider)
    {
        public List<Message> Sent { get; } = [];

        public List<Message> Cancellations { get; } = [];

        protected override SiloAddress? LocalSilo => null;

        protected override string ResolveGrainType(Type interfaceType) => "hang";

        protected override void SendRequest(Message request, ResponseCallback? callback) => Sent.Add(request);

        protected override void SendCancellation(Message cancellation, SiloAddress? target) => Cancellations.Add(cancellation);
    }
}
