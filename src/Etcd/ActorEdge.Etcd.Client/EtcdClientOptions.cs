using System.Net.Security;

namespace ActorEdge.Etcd;

/// <summary>How an <see cref="EtcdClient"/> reaches etcd.</summary>
public sealed class EtcdClientOptions
{
    /// <summary>
    /// The client URLs of the members, for example <c>http://127.0.0.1:2379</c> (h2c) or
    /// <c>https://etcd-0:2379</c> (TLS). <value>Default: <c>http://127.0.0.1:2379</c>.</value>
    /// </summary>
    /// <remarks>
    /// The first endpoint is preferred for serializable reads and watches (list the member on the
    /// local edge node first); writes go to the leader when it is among these endpoints.
    /// </remarks>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>The user for etcd authentication, or null when authentication is off. <value>Default null.</value></summary>
    public string? Username { get; set; }

    /// <summary>The password of <see cref="Username"/>. Never logged. <value>Default null.</value></summary>
    public string? Password { get; set; }

    /// <summary>Configures TLS for https:// endpoints (trusted roots, client certificate, validation callback).</summary>
    public Action<SslClientAuthenticationOptions>? ConfigureTls { get; set; }

    /// <summary>The deadline of one call, retries included. <value>Default 5 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The deadline of one attempt within <see cref="RequestTimeout"/>, doubled at each attempt
    /// that runs out, or null for none (an attempt may use the whole request timeout).
    /// <value>Default null.</value>
    /// </summary>
    /// <remarks>
    /// etcd drops a proposal that a follower forwards to a leader handing over leadership, and the
    /// follower answers only at its own request timeout (about 7 s with etcd's defaults). With an
    /// attempt deadline a read is sent again at once, on another member; a write fails early with
    /// <see cref="EtcdUnavailableException.MayHaveBeenApplied"/>, for callers that can send it again
    /// safely (a compare-and-swap) to resolve. Set it well above a normal call's latency: an attempt
    /// cut short is work thrown away.
    /// </remarks>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>How long opening a connection to one endpoint may take. <value>Default 2 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>HTTP/2 ping interval that detects dead connections (watches, keep-alives). <value>Default 5 seconds.</value></summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping may go unanswered before the connection is dropped. <value>Default 5 seconds.</value></summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether writes (and linearizable reads) go to the leader's endpoint when the client knows
    /// it, saving the follower's forwarding hop. <value>Default true.</value>
    /// </summary>
    public bool RouteToLeader { get; set; } = true;

    /// <summary>
    /// The server's request size limit (etcd's <c>--max-request-bytes</c>). Larger requests are
    /// refused before sending with <see cref="EtcdRequestTooLargeException"/>. <value>Default 1.5 MiB, etcd's default.</value>
    /// </summary>
    public int MaxRequestBytes { get; set; } = 1536 * 1024;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"etcd endpoint '{endpoint}' must be an absolute http:// or https:// URL.");
            }
        }
        if (RequestTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("EtcdClientOptions.RequestTimeout and ConnectTimeout must be positive.");
        }
        if (AttemptTimeout is { } attempt && attempt <= TimeSpan.Zero)
        {
            throw new ArgumentException($"EtcdClientOptions.AttemptTimeout must be positive or null, not {attempt}.");
        }
        if (Username is not null && Password is null)
        {
            throw new ArgumentException("EtcdClientOptions.Password must be set with Username.");
        }
        if (MaxRequestBytes <= 0)
        {
            throw new ArgumentException("EtcdClientOptions.MaxRequestBytes must be positive.");
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Endpoints=[{string.Join(", ", Endpoints)}], Username={Username ?? "(none)"}, Password={(Password is null ? "(none)" : "***")}, RequestTimeout={RequestTimeout}";
}
