using static TorchSharp.torch;

namespace Reb.Core.Adaptation;

/// <summary>The loss and the accuracy of section 5's 7-class task.</summary>
public static class AdaptationLoss
{
    /// <summary>
    /// Sigmoid binary cross-entropy of every logit against the one-hot target (NOT softmax cross-entropy), averaged
    /// over all N x C logits: mean(-y log s(z) - (1-y) log(1-s(z))). Uses the numerically stable logits form.
    /// </summary>
    /// <param name="logits">float [N, C].</param>
    /// <param name="labels">int64 [N], values in [0, C).</param>
    public static Tensor SigmoidBce(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.dim() != 2 || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException("expected logits [N,C] and labels [N], got " +
                $"[{string.Join(",", logits.shape)}] and [{string.Join(",", labels.shape)}]");
        using var scope = NewDisposeScope();
        var target = nn.functional.one_hot(labels, (int)logits.shape[1]).to(logits.dtype);
        return nn.functional.binary_cross_entropy_with_logits(logits, target).MoveToOuterDisposeScope();
    }

    /// <summary>Fraction of rows whose largest logit is at the label.</summary>
    public static double Accuracy(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return logits.argmax(1).eq(labels).to(ScalarType.Float64).mean().item<double>();
    }
}
