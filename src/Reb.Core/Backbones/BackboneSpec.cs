using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reb.Core.Backbones;

/// <summary>Channel order a backbone expects at its input.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision models).</summary>
    Rgb,
    /// <summary>Blue, green, red (Caffe/CNTK models such as the offline ResNet18).</summary>
    Bgr,
}

/// <summary>The roles a backbone's layers play in REB.</summary>
public enum BackboneLayer
{
    /// <summary>Stride-8 features (ResNet layer2).</summary>
    Layer2,
    /// <summary>Stride-16 features (ResNet layer3).</summary>
    Layer3,
    /// <summary>Stride-32 features (ResNet layer4).</summary>
    Layer4,
    /// <summary>Global average pool of layer4, [N, C] (input of the adaptation head).</summary>
    Pool,
}

/// <summary>
/// Everything needed to load a CNN backbone from ONNX and feed it correctly; serialisable to JSON so that a
/// trained model records which backbone it used.
/// </summary>
/// <param name="ModelPath">Path of the ONNX file, or <see cref="BuiltinResNet18"/> for the ResNet18 shipped with the
/// build.</param> <param name="Layer2">Node or value name of the stride-8 features.</param>
/// <param name="Layer3">Node or value name of the stride-16 features.</param>
/// <param name="Layer4">Node or value name of the stride-32 features.</param>
/// <param name="InputChannelOrder">Channel order the network expects.</param>
/// <param name="InputRange">Pixel range the network expects: 255 for 0..255, 1 for 0..1.</param>
/// <param name="Mean">Per-channel mean to subtract, in the network's channel order and on its pixel range.</param>
/// <param name="Std">Per-channel divisor, same order and range (1,1,1 for none).</param>
public sealed record BackboneSpec(
    string ModelPath,
    string Layer2,
    string Layer3,
    string Layer4,
    ChannelOrder InputChannelOrder,
    double InputRange,
    double[] Mean,
    double[] Std)
{
    /// <summary>Value of <see cref="ModelPath"/> that names the offline ImageNet ResNet18.</summary>
    public const string BuiltinResNet18 = "builtin:resnet18";

    /// <summary>Prefix of the backbones shipped with the build (resolved against the binaries' folder, never a
    /// path).</summary>
    public const string BuiltinPrefix = "builtin:";

    /// <summary>True for a backbone shipped with the build; false for an ONNX file path.</summary>
    [JsonIgnore]
    public bool IsBuiltin => ModelPath.StartsWith(BuiltinPrefix, StringComparison.Ordinal);

    /// <summary>
    /// The spec of a model's backbone with its ONNX file resolved inside the model directory: a model names its own
    /// ONNX file by a plain name that its manifest checksums (so the file is part of the content address); any other
    /// path would let whoever publishes a model point the silo's ONNX parser at any file on the silo.
    /// </summary>
    /// <exception cref="ArgumentException">the path is neither built in nor a plain name.</exception>
    public BackboneSpec InModelDirectory(string modelDir)
    {
        if (IsBuiltin) return this;
        bool plain = ModelPath.Length is > 0 and <= 128 && ModelPath is not ("." or "..")
                     && ModelPath.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!plain)
            throw new ArgumentException($"a model's backbone is '{BuiltinPrefix}*' or a file of the model, not " +
                $"'{ModelPath}'", nameof(ModelPath));
        return this with { ModelPath = Path.Combine(Path.GetFullPath(modelDir), ModelPath) };
    }

    /// <summary>
    /// Per-channel means (B, G, R) of the 1x3x224x224 mean image in ResNetPreprocess.onnx (initializer "MeanImage"),
    /// averaged over its pixels in double precision. That file subtracts the mean image pixel by pixel at 224x224;
    /// its per-channel averages let the same normalisation work at any input size.
    /// </summary>
    public static readonly IReadOnlyList<double> ResNet18MeanBgr =
        new[] { 103.06262401521815, 115.90288236463556, 123.1516307762691 };

    /// <summary>The offline ImageNet ResNet18 (CNTK export): BGR, 0..255, mean subtraction only.</summary>
    public static BackboneSpec ResNet18 => new(
        BuiltinResNet18, "ReLU315", "ReLU347", "ReLU393", ChannelOrder.Bgr, 255.0, ResNet18MeanBgr.ToArray(),
        new[] { 1.0, 1.0, 1.0 });

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The spec as indented JSON (enums as names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a spec written by <see cref="ToJson"/> and validates it.</summary>
    public static BackboneSpec FromJson(string json)
    {
        var spec = JsonSerializer.Deserialize<BackboneSpec>(json, JsonOptions)
            ?? throw new InvalidDataException("The backbone spec JSON is null.");
        spec.Validate();
        return spec;
    }

    /// <summary>The name configured for a feature layer (not for <see cref="BackboneLayer.Pool"/>, which is computed
    /// from layer4).</summary>
    public string LayerName(BackboneLayer layer) => layer switch
    {
        BackboneLayer.Layer2 => Layer2,
        BackboneLayer.Layer3 => Layer3,
        BackboneLayer.Layer4 => Layer4,
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer,
            "Pool is computed from Layer4; it has no node of its own."),
    };

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath))
            throw new ArgumentException("BackboneSpec.ModelPath is empty.", nameof(ModelPath));
        foreach (var (field, value) in new[] { (nameof(Layer2), Layer2), (nameof(Layer3), Layer3),
            (nameof(Layer4), Layer4) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"BackboneSpec.{field} is empty.", field);
        if (!Enum.IsDefined(InputChannelOrder)) throw new ArgumentException(
            $"BackboneSpec.InputChannelOrder {InputChannelOrder} is not a channel order.", nameof(InputChannelOrder));
        if (!(InputRange > 0) || double.IsInfinity(InputRange)) throw new ArgumentException(
            $"BackboneSpec.InputRange must be positive (255 or 1), got {InputRange}.", nameof(InputRange));
        if (Mean is not { Length: 3 } || Mean.Any(m => !double.IsFinite(m)))
            throw new ArgumentException("BackboneSpec.Mean must hold 3 finite values.", nameof(Mean));
        if (Std is not { Length: 3 } || Std.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException("BackboneSpec.Std must hold 3 positive finite values.", nameof(Std));
    }
}
