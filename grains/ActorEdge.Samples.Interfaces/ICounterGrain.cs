namespace ActorEdge.Samples;

/// <summary>A persistent counter.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Adds <paramref name="delta"/>, persists, and returns the new value.</summary>
    Task<long> Add(long delta);

    /// <summary>The current value.</summary>
    Task<long> Get();

    /// <summary>Where this activation runs: its silo and edge node.</summary>
    Task<GrainLocation> WhereAmI();
}
