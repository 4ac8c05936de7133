namespace ActorEdge.Hosting;

/// <summary>
/// The edge topology: measured or configured round-trip latencies between edge nodes
/// (<see cref="SiloOptions.NodeName"/>), used by edge placement and follow-the-caller migration.
/// </summary>
public sealed class EdgeOptions
{
    /// <summary>
    /// Latencies in milliseconds: <c>Latencies[a][b]</c> is the latency from node <c>a</c> to node
    /// <c>b</c>. A pair given in one direction only is taken as symmetric.
    /// </summary>
    public Dictionary<string, Dictionary<string, double>> Latencies { get; } = new(StringComparer.Ordinal);

    /// <summary>The latency of a pair of distinct nodes the matrix does not name. <value>Default 100 ms.</value></summary>
    public double DefaultLatencyMs { get; set; } = 100;

    /// <summary>Sets the latency between two nodes, both directions.</summary>
    public EdgeOptions SetLatency(string nodeA, string nodeB, double milliseconds)
    {
        ArgumentNullException.ThrowIfNull(nodeA);
        ArgumentNullException.ThrowIfNull(nodeB);
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Row(nodeA)[nodeB] = milliseconds;
        Row(nodeB)[nodeA] = milliseconds;
        return this;
    }

    /// <summary>
    /// How often a silo measures the round trip to one silo of every other node (a system ping
    /// over the ordinary connections). Measured round trips stand in for pairs the matrix does not
    /// name (instead of <see cref="DefaultLatencyMs"/>), or for every pair with
    /// <see cref="PreferMeasuredLatencies"/>. Null or zero: never. <value>Default 5 seconds.</value>
    /// </summary>
    public TimeSpan? LatencyProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether measured round trips override configured latencies (otherwise they only fill gaps). <value>Default false.</value></summary>
    public bool PreferMeasuredLatencies { get; set; }

    /// <summary>Follow-the-caller: activations of edge-placed grains move towards the node most of their calls come from.</summary>
    public FollowTheCallerOptions FollowTheCaller { get; } = new();

    private Dictionary<string, double> Row(string node)
    {
        if (!Latencies.TryGetValue(node, out var row))
        {
            Latencies[node] = row = new Dictionary<string, double>(StringComparer.Ordinal);
        }
        return row;
    }
}

/// <summary>When an edge-placed activation migrates towards its callers.</summary>
public sealed class FollowTheCallerOptions
{
    /// <summary>Whether activations of <c>[EdgePlacement]</c> grains follow their callers. <value>Default false.</value></summary>
    public bool Enabled { get; set; }

    /// <summary>How many recent call origins an activation remembers. <value>Default 16.</value></summary>
    public int WindowSize { get; set; } = 16;

    /// <summary>
    /// The share of the window that must come from one other node before moving there; above 0.5
    /// so that two alternating callers never win a majority each in turn. <value>Default 0.75.</value>
    /// </summary>
    public double MajorityFraction { get; set; } = 0.75;

    /// <summary>The smallest latency gain (ms, current node to the callers' node minus zero) worth a move. <value>Default 10 ms.</value></summary>
    public double MinLatencyGainMs { get; set; } = 10;

    /// <summary>How long after activation or a migration an activation stays put. <value>Default 30 seconds.</value></summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the callers are expected to stay where they are: a move must save more latency over
    /// this horizon than it adds. <value>Default 30 seconds.</value>
    /// </summary>
    /// <remarks>
    /// At call rate r, a move saving g ms per call saves r·H·g over horizon H; a migration with
    /// service gap c ms delays the r·c calls that arrive during it by c/2 on average, r·c²/2 in
    /// all. The rate cancels: the grain moves when H·g ≥ c²/2. The gap c is the grain type's
    /// measured migration cost on this silo (see <see cref="InitialMigrationCostMs"/>), so grains
    /// whose state is slow to move (large Reactive state over a thin link) stay put.
    /// </remarks>
    public TimeSpan PayoffHorizon { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The migration cost (ms) assumed for a grain type before this silo has measured one. <value>Default 50 ms.</value></summary>
    public double InitialMigrationCostMs { get; set; } = 50;
}

internal sealed class EdgeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<EdgeOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var errors = new List<string>();
        if (options.LatencyProbeInterval < TimeSpan.Zero)
        {
            errors.Add("EdgeOptions.LatencyProbeInterval must not be negative.");
        }
        if (options.DefaultLatencyMs < 0)
        {
            errors.Add("EdgeOptions.DefaultLatencyMs must not be negative.");
        }
        foreach (var (from, row) in options.Latencies)
        {
            foreach (var (to, latency) in row)
            {
                if (latency < 0 || double.IsNaN(latency))
                {
                    errors.Add($"EdgeOptions.Latencies[{from}][{to}] must be a non-negative number of milliseconds.");
                }
            }
        }
        var follow = options.FollowTheCaller;
        if (follow.WindowSize < 1)
        {
            errors.Add("EdgeOptions.FollowTheCaller.WindowSize must be at least 1.");
        }
        if (follow.MajorityFraction is <= 0.5 or > 1)
        {
            // At or below one half, two alternating callers could each hold a majority in turn: ping-pong.
            errors.Add($"EdgeOptions.FollowTheCaller.MajorityFraction must be in (0.5, 1], not {follow.MajorityFraction}.");
        }
        if (follow.MinLatencyGainMs < 0 || follow.CoolDown < TimeSpan.Zero || follow.PayoffHorizon < TimeSpan.Zero || follow.InitialMigrationCostMs < 0 || double.IsNaN(follow.InitialMigrationCostMs))
        {
            errors.Add("EdgeOptions.FollowTheCaller: MinLatencyGainMs, CoolDown, PayoffHorizon and InitialMigrationCostMs must not be negative.");
        }
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
