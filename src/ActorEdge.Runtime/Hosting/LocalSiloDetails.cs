namespace ActorEdge.Runtime;

/// <summary>Who this silo is, known once its listener is bound.</summary>
internal sealed class LocalSiloDetails
{
    private SiloAddress? _address;

    public SiloAddress Address => _address ?? throw new InvalidOperationException("The silo has not started yet.");

    public bool IsStarted => _address is not null;

    public required string ClusterId { get; init; }

    public required string ServiceId { get; init; }

    public required string NodeName { get; init; }

    public string? Zone { get; init; }

    public required string SiloName { get; set; }

    public void SetAddress(SiloAddress address) => _address = address;

    /// <summary>Whether <paramref name="silo"/> is this silo (an address with generation 0 matches by endpoint).</summary>
    public bool IsLocal(SiloAddress? silo) =>
        silo is not null && _address is not null && (silo.Equals(_address) || (silo.Generation == 0 && silo.Endpoint.Equals(_address.Endpoint)));
}
