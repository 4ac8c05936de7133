using ActorEdge.Serialization;

namespace ActorEdge.Samples;

[GenerateSerializer]
public sealed class ProducerState
{
    [Id(0)]
    public Dictionary<string, byte[]> Values { get; set; } = [];

    [Id(1)]
    public List<string> Order { get; set; } = [];
}

public sealed class ProducerGrain([PersistentState("values", "store")] IPersistentState<ProducerState> state) : Grain, IProducerGrain
{
    public async Task<int> Put(string key, byte[] value)
    {
        if (state.State.Values.TryAdd(key, value))
        {
            state.State.Order.Add(key);
        }
        else
        {
            state.State.Values[key] = value;
        }
        await state.WriteStateAsync();
        return state.State.Order.Count;
    }

    public Task<byte[]?> Get(string key) => Task.FromResult(state.State.Values.GetValueOrDefault(key));

    public Task<IReadOnlyList<string>> Keys() => Task.FromResult<IReadOnlyList<string>>(state.State.Order.ToArray());
}

[GenerateSerializer]
public sealed class ConsumerState
{
    [Id(0)]
    public Dictionary<string, int> Offsets { get; set; } = [];
}

public sealed class ConsumerGrain([PersistentState("offsets", "store")] IPersistentState<ConsumerState> state) : Grain, IConsumerGrain
{
    public async Task<ConsumeResult> Consume(string producer)
    {
        var source = GrainFactory.GetGrain<IProducerGrain>(producer);
        var keys = await source.Keys();
        var offset = state.State.Offsets.GetValueOrDefault(producer);
        long bytes = 0;
        for (var i = offset; i < keys.Count; i++)
        {
            bytes += (await source.Get(keys[i]))?.Length ?? 0;
        }
        state.State.Offsets[producer] = keys.Count;
        await state.WriteStateAsync();
        return new ConsumeResult(keys.Count - offset, bytes, keys.Count);
    }
}
