using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// Initializers that a node reads as data (for example the second operand of an Add), kept as
/// non-trainable buffers so they follow the module to another device and appear in its state dict.
/// </summary>
internal sealed class OnnxConstants : nn.Module
{
    private readonly Dictionary<string, string> _bufferNameByOnnxName = new(StringComparer.Ordinal);

    public OnnxConstants() : base("constants") { }

    public bool Contains(string onnxName) => _bufferNameByOnnxName.ContainsKey(onnxName);

    public void Add(string onnxName, string bufferName, Tensor value)
    {
        register_buffer(bufferName, value);
        _bufferNameByOnnxName[onnxName] = bufferName;
    }

    /// <summary>The buffer for an ONNX initializer name (owned by this module: callers must not dispose it).</summary>
    public Tensor Get(string onnxName) => get_buffer(_bufferNameByOnnxName[onnxName])
        ?? throw new InvalidOperationException($"Constant '{onnxName}' is missing from the module.");
}
