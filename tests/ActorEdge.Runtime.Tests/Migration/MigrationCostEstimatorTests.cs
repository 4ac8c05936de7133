using ActorEdge.Runtime.Migration;

namespace ActorEdge.Runtime.Tests.Migration;

public sealed class MigrationCostEstimatorTests
{
    [Fact]
    public void EstimateMs_BeforeAnyMeasurement_IsTheInitialValue()
    {
        var costs = new MigrationCostEstimator();
        Assert.Equal(50, costs.EstimateMs("g", 50));
    }

    [Fact]
    public void Record_SeveralMeasurements_MovesTheEstimateByThreeTenthsOfEachDifference()
    {
        var costs = new MigrationCostEstimator();
        costs.Record("g", 100);
        Assert.Equal(100, costs.EstimateMs("g", 50));
        costs.Record("g", 200);
        Assert.Equal(130, costs.EstimateMs("g", 50), 9);
        costs.Record("other", 1);
        Assert.Equal(130, costs.EstimateMs("g", 50), 9);
    }
}
