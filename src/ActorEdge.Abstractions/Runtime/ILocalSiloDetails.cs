namespace ActorEdge;

/// <summary>The silo this code runs on (inject it into grains or silo services).</summary>
public interface ILocalSiloDetails
{
    /// <summary>The silo's address.</summary>
    SiloAddress SiloAddress { get; }

    /// <summary>The edge node the silo runs on.</summary>
    string NodeName { get; }

    /// <summary>The zone of the edge node, if any.</summary>
    string? Zone { get; }

    /// <summary>The cluster id.</summary>
    string ClusterId { get; }

    /// <summary>The service id.</summary>
    string ServiceId { get; }
}
