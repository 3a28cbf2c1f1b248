using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// One ONNX node ready to run: the value names it reads (graph values or constant initializers), the value it
/// writes, and the computation. Weights are not inputs here: they live in the node's submodule.
/// </summary>
internal sealed record OnnxGraphStep(string NodeName, string OpType, IReadOnlyList<string> Inputs, string Output,
    Func<Tensor[], Tensor> Run);
