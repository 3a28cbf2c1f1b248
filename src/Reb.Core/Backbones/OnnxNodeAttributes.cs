using Onnx;

namespace Reb.Core.Backbones;

/// <summary>Typed access to the attributes of one ONNX node, with ONNX's defaults when an attribute is
/// absent.</summary>
internal sealed class OnnxNodeAttributes
{
    private readonly Dictionary<string, AttributeProto> _byName;

    public OnnxNodeAttributes(NodeProto node)
    {
        _byName = node.Attribute.ToDictionary(a => a.Name);
    }

    public bool Has(string name) => _byName.ContainsKey(name);

    public long Int(string name, long fallback) => _byName.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => _byName.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback)
        => _byName.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => _byName.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;
}
