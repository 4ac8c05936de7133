using ActorEdge.Hosting;

namespace ActorEdge.Runtime.Tests.Edge;

public sealed class EdgeOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() => Assert.True(new EdgeOptionsValidator().Validate(null, new EdgeOptions()).Succeeded);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    [InlineData(1.2)]
    public void Validate_MajorityThatAllowsPingPong_FailsNamingTheOption(double fraction)
    {
        var options = new EdgeOptions();
        options.FollowTheCaller.MajorityFraction = fraction;

        var result = new EdgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("MajorityFraction must be in (0.5, 1]", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeLatencyAndEmptyWindow_ReportsBoth()
    {
        var options = new EdgeOptions();
        options.Latencies["a"] = new Dictionary<string, double> { ["b"] = -1 };
        options.FollowTheCaller.WindowSize = 0;

        var result = new EdgeOptionsValidator().Validate(null, options);

        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains("Latencies[a][b]", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("WindowSize must be at least 1", result.FailureMessage, StringComparison.Ordinal);
    }
}
