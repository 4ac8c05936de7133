using System.Net;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>Identity and endpoint of a silo.</summary>
public sealed class SiloOptions
{
    /// <summary>The cluster this silo joins; silos and clients of other clusters are refused. <value>Default "dev".</value></summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>The service whose grains this cluster hosts; prefixes storage keys. <value>Default "actoredge".</value></summary>
    public string ServiceId { get; set; } = "actoredge";

    /// <summary>A name for logs. <value>Default: the machine name and port.</value></summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// The edge node this silo runs on. <value>Default: the <c>NODE_NAME</c> environment variable,
    /// else <c>POD_NAME</c>, else the machine name.</value>
    /// </summary>
    public string? NodeName { get; set; }

    /// <summary>The zone (region, site) of the edge node, if any.</summary>
    public string? Zone { get; set; }

    /// <summary>The address to listen on. <value>Default 127.0.0.1.</value></summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>The address other silos and clients use to reach this one. <value>Default: <see cref="ListenAddress"/>.</value></summary>
    public IPAddress? AdvertisedAddress { get; set; }

    /// <summary>The port for silos and clients (one port; a handshake tells them apart). <value>Default 11111; 0 picks a free port.</value></summary>
    public int Port { get; set; } = 11111;

    internal string ResolveNodeName() =>
        NodeName ?? Environment.GetEnvironmentVariable("NODE_NAME") ?? Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;
}

/// <summary>Timeouts and limits of messaging.</summary>
public sealed class MessagingOptions
{
    /// <summary>How long a caller waits for a response. <value>Default 30 seconds.</value></summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest frame accepted on a connection; a larger one closes it. <value>Default 16 MiB.</value></summary>
    public int MaxMessageSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long connecting and the handshake may take. <value>Default 5 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times a request may be forwarded between silos before it fails. <value>Default 3.</value></summary>
    public int MaxForwardCount { get; set; } = 3;

    /// <summary>
    /// The endpoint to dial for a remote silo, for routing silo links through something in between
    /// (the TestingHost's delaying proxy emulating edge links). <value>Default null: dial the silo's
    /// advertised endpoint.</value>
    /// </summary>
    /// <remarks>
    /// Called once per outbound connection, never per message. The silo is still identified by its
    /// advertised <see cref="SiloAddress"/>, which the handshake checks. A silo whose connection is
    /// lost is declared dead at once only when its endpoint refuses connections; a proxy in between
    /// accepts them, so a silo that died behind one is declared dead by missed heartbeats instead.
    /// </remarks>
    public Func<SiloAddress, IPEndPoint>? SiloEndpointResolver { get; set; }
}

/// <summary>When idle activations are collected.</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>An activation idle this long is deactivated. <value>Default 15 minutes.</value></summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. <value>Default 1 minute.</value></summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long activation and deactivation may take each. <value>Default 30 seconds.</value></summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Liveness of the silos of the cluster.</summary>
public sealed class ClusterMembershipOptions
{
    /// <summary>How often a silo renews its membership entry. <value>Default 1 second.</value></summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo whose entry was not renewed for this long is declared dead. <value>Default 10 seconds.</value></summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the membership table is read for changes. <value>Default 1 second.</value></summary>
    public TimeSpan RefreshPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>, IValidateOptions<MessagingOptions>, IValidateOptions<GrainCollectionOptions>, IValidateOptions<ClusterMembershipOptions>, IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options) =>
        options.HandOverTimeout <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail("MigrationOptions.HandOverTimeout must be positive.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            errors.Add("SiloOptions.ClusterId must be set.");
        }
        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            errors.Add("SiloOptions.ServiceId must be set.");
        }
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"SiloOptions.Port must be in [0, 65535], not {options.Port}.");
        }
        if (options.ListenAddress is null)
        {
            errors.Add("SiloOptions.ListenAddress must be set.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, MessagingOptions options)
    {
        var errors = new List<string>();
        if (options.ResponseTimeout <= TimeSpan.Zero)
        {
            errors.Add("MessagingOptions.ResponseTimeout must be positive.");
        }
        if (options.MaxMessageSize < 1024)
        {
            errors.Add("MessagingOptions.MaxMessageSize must be at least 1024 bytes.");
        }
        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("MessagingOptions.ConnectTimeout must be positive.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, GrainCollectionOptions options) =>
        options.CollectionAge <= TimeSpan.Zero || options.CollectionQuantum <= TimeSpan.Zero || options.ActivationTimeout <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail("GrainCollectionOptions: CollectionAge, CollectionQuantum and ActivationTimeout must be positive.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, ClusterMembershipOptions options) =>
        options.HeartbeatPeriod <= TimeSpan.Zero || options.RefreshPeriod <= TimeSpan.Zero || options.DeathTimeout <= options.HeartbeatPeriod
            ? ValidateOptionsResult.Fail("ClusterMembershipOptions: HeartbeatPeriod and RefreshPeriod must be positive, and DeathTimeout longer than HeartbeatPeriod.")
            : ValidateOptionsResult.Success;
}
