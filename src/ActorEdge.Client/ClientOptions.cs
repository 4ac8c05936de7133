using System.Net;
using Microsoft.Extensions.Options;

namespace ActorEdge.Hosting;

/// <summary>How a cluster client reaches the cluster.</summary>
public sealed class ClientOptions
{
    /// <summary>The cluster to join; gateways of other clusters refuse the client. <value>Default "dev".</value></summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>Gateway endpoints to try, in order. More are learned from the first gateway reached.</summary>
    public IList<IPEndPoint> Gateways { get; } = [];

    /// <summary>How long a call waits for its response. <value>Default 30 seconds.</value></summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting to one gateway may take. <value>Default 5 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest frame accepted. <value>Default 16 MiB.</value></summary>
    public int MaxMessageSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long to keep trying the gateways when none answers, before calls fail. <value>Default 30 seconds.</value></summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The endpoint to dial for a gateway (given or learned), for routing the client's connection
    /// through something in between (the TestingHost's delaying proxy emulating an edge link).
    /// <value>Default null: dial the gateway's endpoint.</value>
    /// </summary>
    public Func<IPEndPoint, IPEndPoint>? GatewayEndpointResolver { get; set; }

    /// <summary>The edge node of this client, sent to gateways for placement near it. <value>Default: NODE_NAME, else none.</value></summary>
    public string? NodeName { get; set; } = Environment.GetEnvironmentVariable("NODE_NAME");
}

internal sealed class ClientOptionsValidator : IValidateOptions<ClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientOptions options)
    {
        var errors = new List<string>();
        if (options.Gateways.Count == 0)
        {
            errors.Add("ClientOptions.Gateways must name at least one gateway endpoint.");
        }
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            errors.Add("ClientOptions.ClusterId must be set.");
        }
        if (options.ResponseTimeout <= TimeSpan.Zero || options.ConnectTimeout <= TimeSpan.Zero || options.ReconnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("ClientOptions: ResponseTimeout, ConnectTimeout and ReconnectTimeout must be positive.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
