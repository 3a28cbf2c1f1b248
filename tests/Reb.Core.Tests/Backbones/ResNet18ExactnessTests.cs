using Reb.Core.Backbones;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Backbones;

/// <summary>The TorchSharp port of ResNet18 against ONNX Runtime on the same preprocessed input.</summary>
[Collection("ResNet18")]
public sealed class ResNet18ExactnessTests
{
    // Bound on max |torch - ORT| relative to max |ORT| of the same tensor. Both sides compute in float32 (unit
    // roundoff u = 6e-8) with different convolution kernels, so each output's sum of up to 4608 products is rounded
    // in a different order: a random-walk estimate is sqrt(4608) * u = 4e-6 of the activation scale per layer, and
    // BN/residual layers neither amplify nor accumulate it much. Measured on this machine: at most 1.1e-6 for every
    // compared tensor at 224 and 256 px. 2e-5 sits 5x above the estimate and ~20x above the measurement, while any
    // real porting error (a pad on the wrong side, a wrong mean or channel order, a missing BN) moves activations by
    // a sizeable fraction of their scale, i.e. by 1e-2 or more.
    private const double RelativeBound = 2e-5;

    private static readonly string[] LayerValues =
        { "ReLU315_Output_0", "ReLU347_Output_0", "ReLU393_Output_0", "Pooling395_Output_0" };

    private readonly ResNet18Fixture _fixture;
    private readonly ITestOutputHelper _output;

    public ResNet18ExactnessTests(ResNet18Fixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Theory]
    [InlineData(256, 11)]
    [InlineData(224, 12)]
    public void IntermediateAndFinalOutputsMatchOnnxRuntime(int size, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var random = new Random(seed);
        var rgb = new float[3 * size * size];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (float)(random.NextDouble() * 255);
        var image = torch.tensor(rgb, new long[] { 1, 3, size, size });
        var preprocessed = _fixture.Backbone.Preprocess(image);
        var input = preprocessed.data<float>().ToArray();

        using var reference = new OnnxRuntimeReference(_fixture.Model, LayerValues);
        var expected = reference.Run(input, new long[] { 1, 3, size, size }, LayerValues);

        IReadOnlyDictionary<string, Tensor> actual;
        using (torch.no_grad()) actual = _fixture.Backbone.Forward(preprocessed, LayerValues);

        foreach (var name in LayerValues)
        {
            var (data, shape) = expected[name];
            Assert.Equal(shape, actual[name].shape);
            var mine = actual[name].contiguous().data<float>().ToArray();
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < data.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(mine[i] - data[i]));
                maxRef = Math.Max(maxRef, Math.Abs(data[i]));
            }
            _output.WriteLine($"{size}px {name} [{string.Join(",", shape)}]: max|ref| {maxRef:G4}, max|diff| " +
                $"{maxDiff:G3}, relative {maxDiff / maxRef:G3}");
            Assert.True(maxRef > 0.1,
                $"{name}: reference is near zero ({maxRef}); the comparison would prove nothing.");
            Assert.True(maxDiff <= RelativeBound * maxRef,
                $"{name} at {size}px: max |diff| {maxDiff} exceeds {RelativeBound} x max |ref| {maxRef}.");
        }
    }
}
