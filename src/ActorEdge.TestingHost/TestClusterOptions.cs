using ActorEdge.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorEdge.TestingHost;

/// <summary>How a <see cref="TestCluster"/> is built.</summary>
public sealed class TestClusterOptions
{
    /// <summary>Silos started by <see cref="TestCluster.DeployAsync"/>. <value>Default 2.</value></summary>
    public int InitialSilosCount { get; set; } = 2;

    /// <summary>The cluster id. <value>Default: a new one per cluster, so parallel tests never meet.</value></summary>
    public string ClusterId { get; set; } = $"test-{Guid.NewGuid():N}";

    /// <summary>
    /// When true, silos cluster as separate processes would in development: silo 0 is the
    /// primary holding membership and directory, the others reach it over TCP. When false (the
    /// default), silos share an in-process membership table and directory.
    /// </summary>
    public bool UseDevelopmentClustering { get; set; }

    /// <summary>Whether <see cref="TestCluster.DeployAsync"/> connects a client to all gateways. <value>Default true.</value></summary>
    public bool ConnectClient { get; set; } = true;

    /// <summary>Configures every silo; the second argument is the silo's index (0 for the first).</summary>
    public List<Action<ISiloBuilder, int>> SiloConfigurators { get; } = [];

    /// <summary>Configures logging of every silo. <value>Default: none.</value></summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Edge node name of the silo with the given index. <value>Default "node-{index}".</value></summary>
    /// <remarks>Ignored when <see cref="EmulatedEdge"/> is set: its <see cref="EmulatedEdgeOptions.SiloNode"/> names the nodes.</remarks>
    public Func<int, string> NodeName { get; set; } = index => $"node-{index}";

    /// <summary>
    /// Emulated edge links: when set, silo-to-silo and client-to-gateway connections go through
    /// delaying proxies with the delays of their nodes. <value>Default null: direct loopback connections.</value>
    /// </summary>
    public EmulatedEdgeOptions? EmulatedEdge { get; set; }
}
