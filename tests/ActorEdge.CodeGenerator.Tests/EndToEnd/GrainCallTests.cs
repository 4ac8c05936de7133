using ActorEdge.Invocation;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

/// <summary>Calls through the generated proxy, over bytes, into the generated invoker and back.</summary>
public sealed class GrainCallTests
{
    private const string TestGrainName = "ActorEdge.CodeGenerator.Tests.EndToEnd.ITestGrain";
    private const string BaseGrainName = "ActorEdge.CodeGenerator.Tests.EndToEnd.IBaseTestGrain";

    private readonly TestGrainImplementation _grain = new();
    private readonly FakeGrainCallRuntime _runtime;
    private readonly ITestGrain _proxy;

    public GrainCallTests()
    {
        _runtime = new FakeGrainCallRuntime(_grain);
        _proxy = _runtime.GetGrain<ITestGrain>(new GrainId("test", "key"));
    }

    [Fact]
    public void Registry_Interface_HasStableIdAndProxy()
    {
        Assert.True(GrainCodeRegistry.TryGetInterface(typeof(ITestGrain), out var descriptor));
        Assert.Equal(StableHash.Fnv1a(TestGrainName), descriptor.InterfaceId);
        Assert.Equal(descriptor.InterfaceId, descriptor.Invoker.InterfaceId);
        Assert.True(GrainCodeRegistry.TryGetInterface(descriptor.InterfaceId, out var byId));
        Assert.Same(descriptor, byId);

        var reference = Assert.IsAssignableFrom<GrainReference>(_proxy);
        Assert.Equal(descriptor.InterfaceId, reference.InterfaceId);
        Assert.Equal(new GrainId("test", "key"), reference.GrainId);
        Assert.Same(_runtime, reference.Runtime);
    }

    [Fact]
    public async Task Task_NoArguments_CallsGrainWithEmptyArguments()
    {
        await _proxy.Ping();

        Assert.Equal(["Ping"], _grain.Calls);
        var request = Assert.Single(_runtime.Requests);
        Assert.Equal(StableHash.Fnv1a(TestGrainName), request.InterfaceId);
        Assert.Equal(StableHash.Fnv1a("Ping()"), request.MethodId);
        Assert.Equal(InvokeMethodOptions.None, request.Options);
        Assert.Equal(0, request.Buffer.WrittenCount);
        Assert.Null(request.Timeout);
    }

    [Fact]
    public async Task TaskOfT_Arguments_RoundTripResult()
    {
        Assert.Equal(5, await _proxy.Add(2, 3));
        Assert.Equal(-6, await _proxy.Add(-10, 4));

        var request = _runtime.Requests[0];
        Assert.Equal(StableHash.Fnv1a("Add(int,int)"), request.MethodId);
        Assert.Same(_proxy, request.Target);
    }

    [Fact]
    public async Task ValueTask_Argument_ReachesGrain()
    {
        await _proxy.Touch("door");

        Assert.Equal(["Touch:door"], _grain.Calls);
        Assert.Equal(StableHash.Fnv1a("Touch(string)"), _runtime.Requests[0].MethodId);
    }

    [Fact]
    public async Task ValueTaskOfT_NullableString_RoundTrips()
    {
        Assert.Equal("héllo", await _proxy.Echo("héllo"));
        Assert.Null(await _proxy.Echo(null));
        Assert.Equal(string.Empty, await _proxy.Echo(string.Empty));
    }

    [Fact]
    public async Task OneWay_Task_SendsOneWayRequestAndReturnsImmediately()
    {
        await _proxy.Fire(42);

        var request = Assert.Single(_runtime.Requests);
        Assert.Equal(InvokeMethodOptions.OneWay, request.Options);
        Assert.Equal(42, await _grain.Fired.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OneWay_ValueTask_SendsOneWayRequest()
    {
        await _proxy.FireValue(7);

        Assert.Equal(InvokeMethodOptions.OneWay, Assert.Single(_runtime.Requests).Options);
        Assert.Equal(7, await _grain.Fired.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CancellationToken_IsPassedThroughAndNotSerialized()
    {
        using var cts = new CancellationTokenSource();

        Assert.True(await _proxy.WaitFor(1, cts.Token));

        var request = Assert.Single(_runtime.Requests);
        Assert.Equal(cts.Token, request.CancellationToken);
        Assert.Equal(cts.Token, _grain.LastToken);
        Assert.Equal(StableHash.Fnv1a("WaitFor(int,System.Threading.CancellationToken)"), request.MethodId);
        Assert.Equal(InvokeMethodOptions.AlwaysInterleave, request.Options);
        Assert.Equal(TimeSpan.FromSeconds(5), request.Timeout);
        // Only the int is serialized, as field 0.
        var reader = new Serialization.Reader(request.Buffer.WrittenSpan);
        Assert.True(reader.TryReadFieldHeader(out var fieldId, out var wireType));
        Assert.Equal(0u, fieldId);
        Assert.Equal(1, Serialization.Int32Codec.Instance.Read(ref reader, wireType));
        Assert.True(reader.End);
    }

    [Fact]
    public async Task CancellationToken_Cancelled_GrainObservesIt()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _proxy.WaitFor(1, cts.Token));
    }

    [Fact]
    public async Task ManyArgumentTypes_RoundTripExactly()
    {
        var id = Guid.NewGuid();
        var person = new Person("Ada", 36) { Favorite = Color.Blue };
        var team = new Team
        {
            Name = "core",
            Members = [new Person("Bob", 40), new Person("Cy", 25) { Favorite = Color.Green }],
            Scores = new Dictionary<string, int> { ["x"] = 1 },
            Ignored = "not sent",
        };
        var chain = new Node { Value = 1, Next = new Node { Value = 2, Next = new Node { Value = 3 } } };
        var inner = new Nested.Inner([4, 5, 6], null);

        var result = await _proxy.Describe(
            "text", id, [1, 2, 3], new Dictionary<string, int> { ["a"] = 1, ["b"] = -2 }, 9, Color.Green, person, team, chain,
            2.5, long.MinValue, new Point { X = -1, Y = 2 }, new Money(1234, "EUR"), new Dog { Name = "Rex", GoodBoy = true }, inner);

        var args = _grain.LastDescribeArguments;
        Assert.Equal("text", args[0]);
        Assert.Equal(id, args[1]);
        Assert.Equal([1, 2, 3], (List<int>)args[2]!);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = -2 }, (Dictionary<string, int>)args[3]!);
        Assert.Equal(9, args[4]);
        Assert.Equal(Color.Green, args[5]);
        Assert.Equal(person, args[6]);
        var receivedTeam = (Team)args[7]!;
        Assert.Equal("core", receivedTeam.Name);
        Assert.Equal(team.Members, receivedTeam.Members);
        Assert.Equal(team.Scores, receivedTeam.Scores);
        Assert.Equal("default", receivedTeam.Ignored);
        var receivedChain = (Node)args[8]!;
        Assert.Equal(1, receivedChain.Value);
        Assert.Equal(2, receivedChain.Next!.Value);
        Assert.Equal(3, receivedChain.Next.Next!.Value);
        Assert.Null(receivedChain.Next.Next.Next);
        Assert.Equal(2.5, args[9]);
        Assert.Equal(long.MinValue, args[10]);
        Assert.Equal(new Point { X = -1, Y = 2 }, args[11]);
        var money = (Money)args[12]!;
        Assert.Equal((1234L, "EUR"), (money.Amount, money.Currency));
        var dog = (Dog)args[13]!;
        Assert.Equal(("Rex", true), (dog.Name, dog.GoodBoy));
        var receivedInner = (Nested.Inner)args[14]!;
        Assert.Equal([4, 5, 6], receivedInner.Values);
        Assert.Null(receivedInner.Maybe);

        Assert.Equal("text!", result.Name);
        Assert.Equal([new Person("Bob", 40), new Person("Cy", 25) { Favorite = Color.Green }, person], result.Members);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = -2 }, result.Scores);
    }

    [Fact]
    public async Task NullArguments_RoundTripAsNull()
    {
        var result = await _proxy.Describe(null!, Guid.Empty, null!, null!, null, Color.Red, null!, null!, null!, 0, 0, default, null!, null!, new Nested.Inner([], Guid.Empty));

        var args = _grain.LastDescribeArguments;
        Assert.Equal([null, Guid.Empty, null, null, null, Color.Red, null, null, null, 0.0, 0L, default(Point), null, null], args[..14]);
        var inner = (Nested.Inner)args[14]!;
        Assert.Empty(inner.Values);
        Assert.Equal(Guid.Empty, inner.Maybe);
        Assert.Null(result);
    }

    [Fact]
    public async Task GrainException_FromFaultedTask_PropagatesToCaller()
    {
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => _proxy.Throw("boom"));
        Assert.Equal("boom", exception.Message);
    }

    [Fact]
    public async Task GrainException_ThrownSynchronously_PropagatesToCaller()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(async () => await _proxy.ThrowSynchronously("sync"));
        Assert.Equal("sync", exception.Message);
    }

    [Fact]
    public async Task InheritedMethod_UsesDeclaringInterfaceIdAndInvoker()
    {
        Assert.Equal("base:x", await _proxy.BaseEcho("x"));

        var request = Assert.Single(_runtime.Requests);
        Assert.Equal(StableHash.Fnv1a(BaseGrainName), request.InterfaceId);
        Assert.Equal(StableHash.Fnv1a("BaseEcho(string)"), request.MethodId);
    }

    [Fact]
    public void Invoker_UnknownMethodId_ThrowsGrainMethodNotFound()
    {
        Assert.True(GrainCodeRegistry.TryGetInterface(typeof(ITestGrain), out var descriptor));

        var exception = Assert.Throws<GrainMethodNotFoundException>(
            () => descriptor.Invoker.Invoke(_grain, 0xDEADBEEF, ReadOnlySpan<byte>.Empty, new FakeResponseSink(default)));
        Assert.Equal($"Grain interface {TestGrainName} (0x{descriptor.InterfaceId:x8}) has no method with id 0xdeadbeef.", exception.Message);
    }

    [Fact]
    public void Invoker_BaseMethodIdOnDerivedInterface_IsUnknown()
    {
        // Each invoker dispatches only the methods its interface declares.
        Assert.True(GrainCodeRegistry.TryGetInterface(typeof(ITestGrain), out var descriptor));

        Assert.Throws<GrainMethodNotFoundException>(
            () => descriptor.Invoker.Invoke(_grain, StableHash.Fnv1a("BaseEcho(string)"), ReadOnlySpan<byte>.Empty, new FakeResponseSink(default)));
    }

    [Fact]
    public async Task Invoker_UnknownArgumentFields_AreSkippedAndMissingOnesDefault()
    {
        Assert.True(GrainCodeRegistry.TryGetInterface(typeof(ITestGrain), out var descriptor));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new Serialization.Writer(buffer);
        Serialization.StringCodec.Instance.Write(ref writer, 9, "unknown field");
        Serialization.Int32Codec.Instance.Write(ref writer, 1, 40);
        writer.Commit();
        var sink = new FakeResponseSink(default);

        await descriptor.Invoker.Invoke(_grain, StableHash.Fnv1a("Add(int,int)"), buffer.WrittenSpan, sink);

        var reader = new Serialization.Reader(sink.ResultBytes);
        Assert.True(reader.TryReadFieldHeader(out _, out var wireType));
        Assert.Equal(40, Serialization.Int32Codec.Instance.Read(ref reader, wireType));
    }
}
