namespace ActorEdge.Samples;

/// <summary>
/// Writes keyed values and keeps them in persistent state: the producer of the thesis's
/// producer/consumer experiments (THESIS.md §1), which puts 100 KB values under numbered keys.
/// </summary>
public interface IProducerGrain : IGrainWithStringKey
{
    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> and persists. Returns the number of keys held.</summary>
    Task<int> Put(string key, byte[] value);

    /// <summary>The value under <paramref name="key"/>, or null.</summary>
    Task<byte[]?> Get(string key);

    /// <summary>The keys held, in insertion order.</summary>
    Task<IReadOnlyList<string>> Keys();
}

/// <summary>Reads the values a producer wrote, remembering how far it got.</summary>
public interface IConsumerGrain : IGrainWithStringKey
{
    /// <summary>Reads every key of producer <paramref name="producer"/> not read yet; returns the bytes read.</summary>
    Task<ConsumeResult> Consume(string producer);
}
