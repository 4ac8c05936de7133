namespace ActorEdge.Samples;

/// <summary>A user session at the edge: its state lives on the node that hosts it and moves with it (Reactive).</summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Appends an event, persists, and returns how many the session holds.</summary>
    Task<int> Append(string text);

    /// <summary>How many events the session holds, and their total size in characters.</summary>
    Task<(int Events, long Characters)> Summary();

    /// <summary>Where this activation runs: its silo and edge node.</summary>
    Task<GrainLocation> WhereAmI();
}
