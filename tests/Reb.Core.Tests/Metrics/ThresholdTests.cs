using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class ThresholdTests
{
    [Fact]
    public void F1OptimalHandComputed()
    {
        // P = 2. Thresholds (TP, FP) -> F1 = 2TP/(TP+FP+P): 0.8 (1,0) 2/3; 0.4 (1,1) 1/2; 0.35 (2,1) 4/5; 0.1 (2,2)
        // 2/3.
        var best = ThresholdSearch.F1Optimal([0.1f, 0.4f, 0.35f, 0.8f], [false, false, true, true]);
        Assert.Equal(0.35f, best.Threshold);
        Assert.Equal(0.8, best.F1, 12);
        Assert.Equal(2.0 / 3, best.Precision, 12);
        Assert.Equal(1.0, best.Recall, 12);
    }

    [Fact]
    public void F1TieKeepsHighestThreshold()
    {
        // P = 4. (TP,FP) at each threshold: 0.9 (1,0) 2/5; 0.8 (2,0) 2/3; 0.7 (2,1) 4/7; 0.6 (2,2) 1/2;
        // 0.5 (3,2) 2/3; 0.45 (3,3) 3/5; 0.42 (3,4) 6/11; 0.4 (4,4) 2/3. Best 2/3 three times -> 0.8.
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.45f, 0.42f, 0.4f];
        bool[] labels = [true, true, false, false, true, false, false, true];
        var best = ThresholdSearch.F1Optimal(scores, labels);
        Assert.Equal(0.8f, best.Threshold);
        Assert.Equal(2.0 / 3, best.F1, 12);
        Assert.Equal(1.0, best.Precision, 12);
        Assert.Equal(0.5, best.Recall, 12);
    }

    [Fact]
    public void F1TiedScoresAreOneThreshold()
    {
        // The good 0.5 and defective 0.5 cannot be split: threshold 0.5 gives (2,1) -> 4/5, 0.9 gives (1,0) -> 2/3.
        var best = ThresholdSearch.F1Optimal([0.5f, 0.5f, 0.9f, 0.1f], [false, true, true, false]);
        Assert.Equal(0.5f, best.Threshold);
        Assert.Equal(0.8, best.F1, 12);
    }

    [Fact]
    public void F1RejectsNoDefects()
    {
        Assert.Throws<InvalidOperationException>(() => ThresholdSearch.F1Optimal([0.1f, 0.2f], [false, false]));
    }

    [Fact]
    public void QuantileMatchesNumpyLinear()
    {
        // Sorted 1..10: q=0.9 -> h = 9*0.9 = 8.1 -> 9 + 0.1*(10-9) = 9.1; median h = 4.5 -> 5.5; q=0 -> 1; q=1 -> 10.
        float[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(9.1, ThresholdCalibration.Quantile(sorted, 0.9), 6);
        Assert.Equal(5.5, ThresholdCalibration.Quantile(sorted, 0.5), 12);
        Assert.Equal(1, ThresholdCalibration.Quantile(sorted, 0), 12);
        Assert.Equal(10, ThresholdCalibration.Quantile(sorted, 1), 12);
    }

    [Fact]
    public void CalibrationFromShuffledGoodScores()
    {
        // Q(0.9) = 9.1, median 5.5 -> 9.1 + 0.1 * (9.1 - 5.5) = 9.46; order of input must not matter.
        float[] good = [7, 3, 10, 1, 9, 5, 2, 8, 6, 4];
        Assert.Equal(9.46, ThresholdCalibration.FromGoodScores(good, quantile: 0.9, margin: 0.1), 6);
        // margin 0 -> the quantile itself; a single score -> that score.
        Assert.Equal(9.1, ThresholdCalibration.FromGoodScores(good, quantile: 0.9, margin: 0), 6);
        Assert.Equal(4.0, ThresholdCalibration.FromGoodScores([4f]), 12);
    }

    [Fact]
    public void CalibrationRejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => ThresholdCalibration.FromGoodScores([]));
        Assert.Throws<ArgumentException>(() => ThresholdCalibration.FromGoodScores([1f, float.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibration.FromGoodScores([1f], quantile: 0.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibration.FromGoodScores([1f], margin: -1));
    }

    [Fact]
    public void RatesAtThreshold()
    {
        float[] scores = [0.2f, 0.5f, 0.5f, 0.9f];
        bool[] defective = [false, false, true, true];
        // 0.5: the good 0.5 is rejected (score >= threshold) -> FRR 1/2; both defects rejected -> escape 0.
        var at05 = ThresholdCalibration.RateAt(0.5, scores, defective);
        Assert.Equal(0.5, at05.FalseRejectRate, 12);
        Assert.Equal(0.0, at05.EscapeRate, 12);
        // 0.6: no good rejected; the defective 0.5 escapes -> 1/2.
        var at06 = ThresholdCalibration.RateAt(0.6, scores, defective);
        Assert.Equal(0.0, at06.FalseRejectRate, 12);
        Assert.Equal(0.5, at06.EscapeRate, 12);
        Assert.Equal((2, 2), (at06.GoodCount, at06.DefectiveCount));
        Assert.True(double.IsNaN(ThresholdCalibration.RateAt(0.5, [0.1f], [false]).EscapeRate));
    }
}
