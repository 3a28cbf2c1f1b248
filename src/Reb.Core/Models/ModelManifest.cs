using Reb.Core.Calibration;
using System.Text.Json.Serialization;

namespace Reb.Core.Models;

/// <summary>
/// model.json: everything needed to score with a model, without the training images. The <see cref="Version"/> is the
/// content address: a SHA-256 over the manifest (with Version blank) whose file entries carry each file's SHA-256, so
/// two sites that publish the same model get the same version, and any changed byte gives another one.
/// </summary>
public sealed record ModelManifest
{
    public const string CurrentFormat = "rebcluster.model/1";

    public string Format { get; init; } = CurrentFormat;
    public string Version { get; init; } = "";
    public string Category { get; init; } = "";
    public DateTimeOffset CreatedUtc { get; init; }
    public string CreatedBy { get; init; } = "reb";
    public required BackboneRef Backbone { get; init; }
    public required FeatureSettings Features { get; init; }
    public required LdknnSettings Ldknn { get; init; }
    public required BankInfo Bank { get; init; }
    public required ThresholdInfo Threshold { get; init; }
    public required TrainingInfo Training { get; init; }
    /// <summary>File name -> SHA-256 (lower-case hex) and size.</summary>
    public required IReadOnlyDictionary<string, FileEntry> Files { get; init; }
}

public sealed record FileEntry(string Sha256, long Bytes);

/// <summary>Which backbone: the spec JSON of the backbone (builtin ResNet18 or a user's ONNX file) and, when adapted,
/// its weights file.</summary>
public sealed record BackboneRef(string Name, string SpecJson, string? WeightsFile, string? AdaptationJson);

/// <param name="GridSize">the patch grid of a square ImageSize input (native-aspect models have one grid per image
/// size).</param>
public sealed record FeatureSettings(int ImageSize, int Dim, int GridSize)
{
    /// <summary>
    /// "aspect" for native-aspect lines; null (left out of model.json) for square, so a square model's manifest,
    /// and with it its content address, is byte for byte what it was before the field existed. Absent = square.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Resize { get; init; }
}

public sealed record LdknnSettings(int K, double Lambda, double CoresetRatio, int Seed)
{
    /// <summary>
    /// How the model's banks are searched: "flat" or "cells"; null (left out of model.json) for "auto", the default, so
    /// a default model's manifest and content address are byte for byte what they were before the field existed. The
    /// scores never depend on it (every mode is the same exact search).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Search { get; init; }
}

public sealed record BankInfo(long Patches, long Core, int Dim, string CoreFile, string DensityFile,
    string CoreIndexFile)
{
    /// <summary>[core, K] float32 neighbour distances (fits without coreset), for incremental bank updates; null =
    /// absent.</summary>
    public string? NeighbourFile { get; init; }

    /// <summary>
    /// Native-aspect models: int64 (height, width) of each training image's patch grid in bank order, so that a loaded
    /// model can cut its bank per image (recalibration after a bank update, the review loop). Null, and left out of
    /// model.json, for square models (one grid for all: their manifests and addresses stay as they were).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GridsFile { get; init; }
}

public sealed record TrainingInfo(int Images, IReadOnlyList<string> ImageNames, int Skipped, double EmbedSeconds,
    double FitSeconds);

[JsonSerializable(typeof(ModelManifest))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal partial class ManifestJsonContext : JsonSerializerContext;
