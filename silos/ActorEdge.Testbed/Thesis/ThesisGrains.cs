using ActorEdge.Hosting;
using ActorEdge.Invocation;
using ActorEdge.Placement;
using ActorEdge.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Testbed.Thesis;

/// <summary>The value a producer stores: a sequence number and its payload (100 KB in the scenario).</summary>
[GenerateSerializer]
public sealed class ThesisValue
{
    [Id(0)]
    public long Sequence { get; set; }

    [Id(1)]
    public byte[] Data { get; set; } = [];
}

/// <summary>What a consumer remembers: the last sequence it read, and how many reads it made.</summary>
[GenerateSerializer]
public sealed class ThesisCursor
{
    [Id(0)]
    public long LastSequence { get; set; }

    [Id(1)]
    public long Reads { get; set; }
}

/// <summary>Writes values to its persistent state (one store write per call).</summary>
public interface IThesisProducer : IGrainWithStringKey
{
    /// <summary>Stores value number <paramref name="sequence"/> of <paramref name="size"/> bytes; returns the node that ran the call.</summary>
    Task<string> Put(long sequence, int size);
}

/// <summary>Reads the values of a producer from the store (one store read per call).</summary>
public interface IThesisConsumer : IGrainWithStringKey
{
    /// <summary>Reads the latest value of producer <paramref name="producerKey"/> from the store; returns its sequence number (0: none yet).</summary>
    Task<long> Read(string producerKey);
}

public interface ICentralizedProducerGrain : IThesisProducer;

public interface ICentralizedConsumerGrain : IThesisConsumer;

public interface IReactiveProducerGrain : IThesisProducer;

public interface IReactiveConsumerGrain : IThesisConsumer;

public interface IProactiveProducerGrain : IThesisProducer;

public interface IProactiveConsumerGrain : IThesisConsumer;

/// <summary>The producer's logic, shared by the strategy-specific grain classes.</summary>
public abstract class ThesisProducerGrain(IPersistentState<ThesisValue> state, ILocalSiloDetails silo) : Grain, IThesisProducer
{
    public async Task<string> Put(long sequence, int size)
    {
        var value = state.State;
        if (value.Data.Length != size)
        {
            value.Data = new byte[size];
            Random.Shared.NextBytes(value.Data);
        }
        // A different payload every time, as a sensor's would be.
        BitConverter.TryWriteBytes(value.Data.AsSpan(0, Math.Min(8, size)), sequence);
        value.Sequence = sequence;
        await state.WriteStateAsync();
        return silo.NodeName;
    }
}

/// <summary>
/// The consumer's logic: it reads the producer's record straight from the store the producer
/// writes to (the provider named <paramref name="storageName"/>), as the thesis's consumer read
/// etcd keys; its own small state (a cursor) travels with it and is written every 16 reads.
/// </summary>
public abstract class ThesisConsumerGrain(IPersistentState<ThesisCursor> cursor, string storageName) : Grain, IThesisConsumer
{
    private const string ProducerStateName = "s";

    public async Task<long> Read(string producerKey)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(storageName);
        var record = new GrainState<ThesisValue>(new ThesisValue());
        await storage.ReadStateAsync(ProducerStateName, ProducerId(producerKey), record);
        var sequence = record.State.Sequence;
        cursor.State.LastSequence = Math.Max(cursor.State.LastSequence, sequence);
        if (++cursor.State.Reads % 16 == 0)
        {
            await cursor.WriteStateAsync();
        }
        return sequence;
    }

    /// <summary>The id of the producer grain of this strategy named <paramref name="key"/>.</summary>
    protected abstract GrainId ProducerId(string key);

    /// <summary>The grain id behind a reference.</summary>
    protected static GrainId IdOf(IAddressable grain) => ((GrainReference)grain).GrainId;
}

// One producer and one consumer class per strategy: the strategy is a class attribute, and each
// names its storage provider after the strategy (StorageNames.Centralized, ...), which is also
// the provider the runtime picks for a [MigrationStrategy] grain whose state names none.

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Centralized)]
public sealed class CentralizedProducerGrain([PersistentState("s", StorageNames.Centralized)] IPersistentState<ThesisValue> state, ILocalSiloDetails silo)
    : ThesisProducerGrain(state, silo), ICentralizedProducerGrain;

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Centralized)]
public sealed class CentralizedConsumerGrain([PersistentState("cursor", StorageNames.Centralized)] IPersistentState<ThesisCursor> cursor)
    : ThesisConsumerGrain(cursor, StorageNames.Centralized), ICentralizedConsumerGrain
{
    protected override GrainId ProducerId(string key) => IdOf(GrainFactory.GetGrain<ICentralizedProducerGrain>(key));
}

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class ReactiveProducerGrain([PersistentState("s", StorageNames.Reactive)] IPersistentState<ThesisValue> state, ILocalSiloDetails silo)
    : ThesisProducerGrain(state, silo), IReactiveProducerGrain;

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Reactive)]
public sealed class ReactiveConsumerGrain([PersistentState("cursor", StorageNames.Reactive)] IPersistentState<ThesisCursor> cursor)
    : ThesisConsumerGrain(cursor, StorageNames.Reactive), IReactiveConsumerGrain
{
    protected override GrainId ProducerId(string key) => IdOf(GrainFactory.GetGrain<IReactiveProducerGrain>(key));
}

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Proactive)]
public sealed class ProactiveProducerGrain([PersistentState("s", StorageNames.Proactive)] IPersistentState<ThesisValue> state, ILocalSiloDetails silo)
    : ThesisProducerGrain(state, silo), IProactiveProducerGrain;

[PreferLocalPlacement]
[MigrationStrategy(MigrationStrategy.Proactive)]
public sealed class ProactiveConsumerGrain([PersistentState("cursor", StorageNames.Proactive)] IPersistentState<ThesisCursor> cursor)
    : ThesisConsumerGrain(cursor, StorageNames.Proactive), IProactiveConsumerGrain
{
    protected override GrainId ProducerId(string key) => IdOf(GrainFactory.GetGrain<IProactiveProducerGrain>(key));
}
