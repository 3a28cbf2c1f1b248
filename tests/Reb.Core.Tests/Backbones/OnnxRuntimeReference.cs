using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Reb.Core.Tests.Backbones;

/// <summary>
/// Runs an ONNX model with Microsoft.ML.OnnxRuntime as the reference implementation. Intermediate values are
/// exposed by adding them to a copy of the graph's outputs; input/output dims become symbolic so any image
/// size can be fed.
/// </summary>
internal sealed class OnnxRuntimeReference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;

    public OnnxRuntimeReference(ModelProto model, IEnumerable<string> extraOutputs)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var input = graph.Input.Single(i => !initializers.Contains(i.Name));
        _inputName = input.Name;
        MakeDimsSymbolic(input);
        foreach (var o in graph.Output) MakeDimsSymbolic(o);
        foreach (var name in extraOutputs.Where(n => graph.Output.All(o => o.Name != n)))
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType =
                    new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });

        // No graph rewriting (no Conv+BN fusion): the reference evaluates the graph node by node as written.
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 2
        };
        _session = new InferenceSession(copy.ToByteArray(), options);
    }

    /// <summary>Runs the model; returns each requested value's data and shape.</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> Run(float[] input, long[] shape, params string[] outputs)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, new[] { _inputName }, new[] { inputValue }, outputs);
        var map = new Dictionary<string, (float[], long[])>();
        for (int i = 0; i < outputs.Length; i++)
            map[outputs[i]] =
                (results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
        return map;
    }

    public void Dispose() => _session.Dispose();

    private static void MakeDimsSymbolic(ValueInfoProto value)
    {
        var dims = value.Type?.TensorType?.Shape?.Dim;
        if (dims is null) return;
        for (int i = 0; i < dims.Count; i++)
            dims[i] = new TensorShapeProto.Types.Dimension { DimParam = $"{value.Name}_d{i}" };
    }
}
