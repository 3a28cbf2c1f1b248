using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class AurocTests
{
    [Fact]
    public void HandComputedCase()
    {
        // Positives {0.35, 0.8}, negatives {0.1, 0.4}. Pairs where the positive is higher:
        // 0.35>0.1, 0.8>0.1, 0.8>0.4 (0.35<0.4 loses) -> 3 of 4 pairs = 0.75.
        double auc = Auroc.Compute([0.1f, 0.4f, 0.35f, 0.8f], [false, false, true, true]);
        Assert.Equal(0.75, auc, 15);
    }

    [Fact]
    public void TiesCountHalf()
    {
        // Negatives {0.2, 0.5}, positives {0.5, 0.7}: 0.5 vs 0.2 wins (1), 0.5 vs 0.5 ties (1/2),
        // 0.7 wins twice (2) -> 3.5 / 4 = 0.875 (sklearn roc_auc_score gives the same).
        double auc = Auroc.Compute([0.2f, 0.5f, 0.5f, 0.7f], [false, false, true, true]);
        Assert.Equal(0.875, auc, 15);
    }

    [Fact]
    public void AllScoresEqualGiveOneHalf()
    {
        Assert.Equal(0.5, Auroc.Compute([3f, 3f, 3f, 3f, 3f], [true, false, false, true, false]), 15);
    }

    [Fact]
    public void NegativeZeroEqualsPositiveZero()
    {
        // -0 and +0 are the same score, so this is a tie: 1/2.
        Assert.Equal(0.5, Auroc.Compute([-0f, 0f], [false, true]), 15);
    }

    [Fact]
    public void MatchesPairCountingOnRandomDataWithTies()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = rng.Next(2, 300);
            var (scores, labels) = RandomScores(rng, n, levels: rng.Next(2, 40));
            if (!labels.Contains(true) || !labels.Contains(false)) continue;
            Assert.Equal(Reference.PairCountAuroc(scores, labels), Auroc.Compute(scores, labels), 12);
        }
    }

    [Fact]
    public void UnchangedByMonotoneTransforms()
    {
        var rng = new Random(11);
        var (scores, labels) = RandomScores(rng, 500, levels: 50);
        double auc = Auroc.Compute(scores, labels);
        // Scores are multiples of 1/50 in [0,1), so these strictly increasing maps keep every order and tie.
        var exp = scores.Select(s => MathF.Exp(5 * s) - 2).ToArray();
        var cube = scores.Select(s => s * s * s - 0.5f).ToArray();
        var negatedFlipped = scores.Select(s => -(1 - s) * 1e6f).ToArray();
        Assert.Equal(auc, Auroc.Compute(exp, labels), 15);
        Assert.Equal(auc, Auroc.Compute(cube, labels), 15);
        Assert.Equal(auc, Auroc.Compute(negatedFlipped, labels), 15);
        // A decreasing map reverses the ranking: AUC -> 1 - AUC.
        Assert.Equal(1 - auc, Auroc.Compute(scores.Select(s => -s).ToArray(), labels), 12);
    }

    [Fact]
    public void RejectsBadInput()
    {
        var lengths = Assert.Throws<ArgumentException>(() => Auroc.Compute([1f, 2f], [true]));
        Assert.Contains("labels has 1", lengths.Message);
        var oneClass = Assert.Throws<InvalidOperationException>(() => Auroc.Compute([1f, 2f], [true, true]));
        Assert.Contains("both classes", oneClass.Message);
        var nan = Assert.Throws<ArgumentException>(() => Auroc.Compute([1f, float.NaN], [true, false]));
        Assert.Contains("scores[1] is NaN", nan.Message);
    }

    internal static (float[] Scores, bool[] Labels) RandomScores(Random rng, int n, int levels)
    {
        var labels = new bool[n];
        var scores = new float[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.NextDouble() < 0.4;
            // Positives drawn a bit higher so the AUC is far from both 0.5 and 1; quantised to force ties.
            int level = Math.Min(levels - 1, (int)((rng.NextDouble() * 0.8 + (labels[i] ? 0.2 : 0)) * levels));
            scores[i] = (float)level / levels;
        }
        return (scores, labels);
    }
}
