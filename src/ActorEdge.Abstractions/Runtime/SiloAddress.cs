using System.Globalization;
using System.Net;

namespace ActorEdge;

/// <summary>
/// The address of one silo process: its endpoint and a generation that changes at every start,
/// so a restarted silo on the same endpoint is a different silo.
/// </summary>
public sealed class SiloAddress : IEquatable<SiloAddress>
{
    /// <summary>Creates an address.</summary>
    public SiloAddress(IPEndPoint endpoint, long generation)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        Generation = generation;
    }

    /// <summary>The silo's endpoint (its silo-to-silo and gateway port).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The generation: distinct for every start of a silo on the same endpoint.</summary>
    public long Generation { get; }

    /// <summary>Parses the form produced by <see cref="ToString"/> (<c>host:port@generation</c>).</summary>
    public static SiloAddress Parse(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || !IPEndPoint.TryParse(value[..at], out var endpoint)
            || !long.TryParse(value.AsSpan(at + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var generation))
        {
            throw new FormatException($"'{value}' is not a silo address: expected 'host:port@generation'.");
        }
        return new SiloAddress(endpoint, generation);
    }

    /// <inheritdoc />
    public bool Equals(SiloAddress? other) =>
        other is not null && (ReferenceEquals(this, other) || (Generation == other.Generation && Endpoint.Equals(other.Endpoint)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SiloAddress);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Endpoint, Generation);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Endpoint}@{Generation}");

    /// <summary>Equality.</summary>
    public static bool operator ==(SiloAddress? left, SiloAddress? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SiloAddress? left, SiloAddress? right) => !(left == right);
}
