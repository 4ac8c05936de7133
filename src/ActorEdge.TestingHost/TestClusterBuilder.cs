using ActorEdge.Hosting;

namespace ActorEdge.TestingHost;

/// <summary>Builds a <see cref="TestCluster"/>.</summary>
public sealed class TestClusterBuilder(int initialSilosCount = 2)
{
    /// <summary>The options being built.</summary>
    public TestClusterOptions Options { get; } = new() { InitialSilosCount = initialSilosCount };

    /// <summary>Configures every silo.</summary>
    public TestClusterBuilder ConfigureSilos(Action<ISiloBuilder> configure)
    {
        Options.SiloConfigurators.Add((silo, _) => configure(silo));
        return this;
    }

    /// <summary>Configures each silo knowing its index.</summary>
    public TestClusterBuilder ConfigureSilos(Action<ISiloBuilder, int> configure)
    {
        Options.SiloConfigurators.Add(configure);
        return this;
    }

    /// <summary>Creates the cluster (not yet deployed).</summary>
    public TestCluster Build() => new(Options);
}
