using ActorEdge.Invocation;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

/// <summary>The generated grain class descriptors: grain type, interfaces and the constructor call.</summary>
public sealed class GrainClassDescriptorTests
{
    [Fact]
    public void GrainType_DefaultsToLowerCaseNameWithoutGrainSuffix()
    {
        Assert.Equal("counter", Descriptor<CounterGrain>().GrainType);
        Assert.Equal("worker", Descriptor<Worker>().GrainType);
    }

    [Fact]
    public void GrainType_AttributeOverridesName() => Assert.Equal("custom-type", Descriptor<RenamedGrain>().GrainType);

    [Fact]
    public void Interfaces_ListsEveryGrainInterfaceButNotMarkers()
    {
        Assert.Equal(
            [typeof(ICounterGrain), typeof(IResettable), typeof(IResettableCounterGrain)],
            Descriptor<CounterGrain>().Interfaces.OrderBy(t => t.Name, StringComparer.Ordinal));
        Assert.Equal([typeof(ICounterGrain)], Descriptor<Worker>().Interfaces);
    }

    [Fact]
    public void AbstractGrainClass_HasNoDescriptor() =>
        Assert.DoesNotContain(GrainCodeRegistry.GrainClasses, d => d.GrainClass == typeof(AbstractGrain));

    [Fact]
    public void Factory_ResolvesPersistentStateAndServices()
    {
        var clock = new FixedClock();
        var context = new FakeGrainContext(new GrainId("counter", "a"), new Dictionary<Type, object> { [typeof(IClock)] = clock });

        var grain = Assert.IsType<CounterGrain>(GrainActivation.Construct(context, Descriptor<CounterGrain>().Factory));

        Assert.Same(context, grain.GrainContext);
        Assert.Same(clock, grain.Clock);
        Assert.Same(context.GrainFactory, grain.Factory);
        var state = Assert.IsType<FakePersistentState<CounterState>>(grain.State);
        Assert.Equal(("count", "store"), (state.StateName, state.StorageName));
        Assert.Equal([("count", "store")], context.StatesRequested);
    }

    [Fact]
    public void Factory_UsesConstructorWithMostParameters_AndDefaultStorage()
    {
        var context = new FakeGrainContext(new GrainId("custom-type", "b"), []);

        var grain = Assert.IsType<RenamedGrain>(GrainActivation.Construct(context, Descriptor<RenamedGrain>().Factory));

        var state = Assert.IsType<FakePersistentState<CounterState>>(grain.State);
        Assert.Equal(("other", null), (state.StateName, state.StorageName));
    }

    [Fact]
    public void Factory_MissingService_ThrowsClearError()
    {
        var context = new FakeGrainContext(new GrainId("counter", "c"), []);

        var exception = Assert.Throws<InvalidOperationException>(() => GrainActivation.Construct(context, Descriptor<CounterGrain>().Factory));

        Assert.Contains(typeof(IClock).FullName!, exception.Message, StringComparison.Ordinal);
    }

    private static GrainClassDescriptor Descriptor<T>()
    {
        GrainCodeRegistry.RegisterAssembly(typeof(T).Assembly);
        return Assert.Single(GrainCodeRegistry.GrainClasses, d => d.GrainClass == typeof(T));
    }

    private sealed class FixedClock : IClock
    {
        public DateTimeOffset Now => DateTimeOffset.UnixEpoch;
    }
}
