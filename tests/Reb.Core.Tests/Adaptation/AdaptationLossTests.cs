using Reb.Core.Adaptation;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Adaptation;

public class AdaptationLossTests
{
    [Fact]
    public void SigmoidBceMatchesAHandComputedCase()
    {
        // Row 0, label 0, logits (0, 0): each logit costs ln 2.
        // Row 1, label 1, logits (ln 3, -ln 3): sigmoid(ln 3) = 3/4, so class 0 (target 0) costs -ln(1/4) = ln 4 and
        // class 1 (target 1) costs -ln(sigmoid(-ln 3)) = -ln(1/4) = ln 4. Mean over the 4 logits: (2 ln 2 + 2 ln 4) / 4
        // = 1.5 ln 2.
        double ln3 = Math.Log(3);
        using var logits = tensor(new float[] { 0, 0, (float)ln3, (float)-ln3 }, [2, 2]);
        using var labels = tensor(new long[] { 0, 1 });
        using var loss = AdaptationLoss.SigmoidBce(logits, labels);
        Assert.Equal(1.5 * Math.Log(2), loss.item<float>(), 5);

        // Not softmax cross-entropy, which gives (ln 2 + ln(1 + 9)) / 2 here.
        using var ce = nn.functional.cross_entropy(logits, labels);
        Assert.NotEqual(ce.item<float>(), loss.item<float>(), 3);
    }

    [Fact]
    public void SigmoidBceIsTheMeanOverAllLogitsOfSevenClasses()
    {
        var g = new TorchSharp.torch.Generator(3);
        using var logits = randn(6, 7, generator: g).mul(3);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5 });
        using var loss = AdaptationLoss.SigmoidBce(logits, labels);
        var z = logits.data<float>().ToArray();
        double sum = 0;
        for (int i = 0; i < 6; i++)
            for (int c = 0; c < 7; c++)
            {
                double s = 1 / (1 + Math.Exp(-z[i * 7 + c]));
                sum += c == i ? -Math.Log(s) : -Math.Log(1 - s);
            }
        Assert.Equal(sum / 42, loss.item<float>(), 4);
    }

    [Fact]
    public void AccuracyCountsArgmaxHits()
    {
        using var logits = tensor(new float[] { 5, 0, 0, 0, 1, 3, 2, 0, 0 }, [3, 3]);
        using var labels = tensor(new long[] { 0, 1, 0 });
        Assert.Equal(2.0 / 3, AdaptationLoss.Accuracy(logits, labels), 12);
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        using var logits = zeros(3, 7);
        using var labels = zeros(2, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => AdaptationLoss.SigmoidBce(logits, labels));
        Assert.Contains("[3,7]", e.Message);
    }
}
