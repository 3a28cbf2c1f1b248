using System.Text;

namespace Reb.Core.Backbones;

/// <summary>
/// Makes torch submodule / buffer names from ONNX names. Torch uses '.' as the path separator in state dicts,
/// so anything but letters, digits and '_' becomes '_'; empty names get "opType_index"; clashes get a suffix.
/// </summary>
internal sealed class OnnxNames
{
    private readonly HashSet<string> _taken;

    public OnnxNames(IEnumerable<string> reserved)
    {
        _taken = new HashSet<string>(reserved, StringComparer.Ordinal);
    }

    public static string Sanitise(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        return sb.ToString();
    }

    /// <summary>A unique, sanitised name for a node (or constant) called <paramref name="onnxName"/>.</summary>
    public string Unique(string onnxName, string fallback)
    {
        var baseName = Sanitise(string.IsNullOrEmpty(onnxName) ? fallback : onnxName);
        var name = baseName;
        for (int k = 2; !_taken.Add(name); k++) name = $"{baseName}_{k}";
        return name;
    }
}
