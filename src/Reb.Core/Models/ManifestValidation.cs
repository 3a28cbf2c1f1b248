using Reb.Core.Backbones;

namespace Reb.Core.Models;

/// <summary>
/// Checks of a manifest that need no file: every name it uses, every size and shape it declares. A manifest comes
/// from whoever published the model (another site's engineer), so nothing it says may reach a path, an allocation or
/// a probe tensor before these checks: a name could point outside the model directory (an existence and size oracle,
/// or /dev/zero read into memory), a size could make the first silo that scores the model allocate tens of GB.
/// </summary>
public static class ManifestValidation
{
    /// <summary>Square input sizes a model may declare: the same range as a training request.</summary>
    public const int MinImageSize = 32, MaxImageSize = 1024;

    /// <summary>Largest feature dimension (ResNet18's layer2 + layer3 give 384; room for larger backbones).</summary>
    public const int MaxDim = 4096;

    /// <summary>Largest K of the local-density kNN (the fitter uses single digits).</summary>
    public const int MaxK = 1024;

    /// <summary>Names first, then the backbone, then every declared size. Throws <see
    /// cref="ModelFormatException"/>.</summary>
    public static void Check(ModelManifest m, string source)
    {
        // The fields first, so that a refusal names the field that used the name (an error body shows an absolute
        // path as "[path]", the field still says which one it was).
        foreach (var (field, name) in ReferencedFiles(m)) CheckReferenced(m, field, name, source);
        ModelFiles.CheckFileNames(m, source);
        CheckBackbone(m, source);
        CheckSizes(m, source);
    }

    /// <summary>Every file name the manifest uses outside its file list, with the field that uses it (for
    /// messages).</summary>
    public static IEnumerable<(string Field, string Name)> ReferencedFiles(ModelManifest m)
    {
        yield return ("bank.coreFile", m.Bank.CoreFile);
        yield return ("bank.densityFile", m.Bank.DensityFile);
        yield return ("bank.coreIndexFile", m.Bank.CoreIndexFile);
        if (m.Bank.NeighbourFile is { } nf) yield return ("bank.neighbourFile", nf);
        if (m.Bank.GridsFile is { } gf) yield return ("bank.gridsFile", gf);
        if (m.Backbone.WeightsFile is { } wf) yield return ("backbone.weightsFile", wf);
    }

    /// <summary>A referenced name must be a plain name that the file list (and so the checksums) covers.</summary>
    private static void CheckReferenced(ModelManifest m, string field, string? name, string source)
    {
        if (name is null || !ModelFiles.IsPlainName(name))
            throw new ModelFormatException($"{source}: {field} '{name}' is not a plain file name of the model " +
                                           "(letters, digits, '-', '_', '.'; no folders)");
        if (!m.Files.ContainsKey(name))
            throw new ModelFormatException($"{source}: {field} '{name}' is not among the manifest's checksummed files");
    }

    /// <summary>
    /// The backbone's ONNX file is either built in (<c>builtin:*</c>) or a checksummed file of the model: a path
    /// anywhere else would point the silo's ONNX parser at any file on the silo, outside the content address.
    /// </summary>
    private static void CheckBackbone(ModelManifest m, string source)
    {
        BackboneSpec spec;
        try { spec = BackboneSpec.FromJson(m.Backbone.SpecJson); }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new ModelFormatException($"{source}: backbone spec is not valid ({e.Message})", e);
        }
        if (spec.IsBuiltin) return;
        CheckReferenced(m, "backbone model file", spec.ModelPath, source);
    }

    private static void CheckSizes(ModelManifest m, string source)
    {
        var f = m.Features;
        if (f.ImageSize is < MinImageSize or > MaxImageSize)
            throw new ModelFormatException(
                $"{source}: features.imageSize {f.ImageSize} is outside {MinImageSize}..{MaxImageSize}");
        if (f.Dim is < 1 or > MaxDim)
            throw new ModelFormatException($"{source}: features.dim {f.Dim} is outside 1..{MaxDim}");
        if (f.GridSize < 1 || f.GridSize > f.ImageSize)
            throw new ModelFormatException($"{source}: features.gridSize {f.GridSize} is outside 1..imageSize");
        var b = m.Bank;
        if (b.Dim is < 1 or > MaxDim)
            throw new ModelFormatException($"{source}: bank.dim {b.Dim} is outside 1..{MaxDim}");
        if (b.Core < 1 || b.Patches < b.Core)
            throw new ModelFormatException($"{source}: bank declares {b.Core} core rows of {b.Patches} patches");
        if (m.Ldknn.K is < 1 or > MaxK)
            throw new ModelFormatException($"{source}: ldknn.k {m.Ldknn.K} is outside 1..{MaxK}");
        if (!(m.Ldknn.CoresetRatio is > 0 and <= 1))
            throw new ModelFormatException($"{source}: ldknn.coresetRatio {m.Ldknn.CoresetRatio} is outside (0, 1]");
        // Rows against bytes: every array's declared size must be exactly what its shape needs (the upload's real
        // sizes are checked against these entries when the files are verified).
        ExpectBytes(m, "bank.coreFile", b.CoreFile, Times(b.Core, b.Dim, sizeof(float)), source);
        ExpectBytes(m, "bank.densityFile", b.DensityFile, Times(b.Core, 1, sizeof(float)), source);
        ExpectBytes(m, "bank.coreIndexFile", b.CoreIndexFile, Times(b.Core, 1, sizeof(long)), source);
        if (b.NeighbourFile is { } nf)
            ExpectBytes(m, "bank.neighbourFile", nf, Times(b.Core, m.Ldknn.K, sizeof(float)), source);
        if (b.GridsFile is { } gf)
        {
            long bytes = m.Files[gf].Bytes;
            if (bytes <= 0 || bytes % (2 * sizeof(long)) != 0 || bytes / (2 * sizeof(long)) > b.Patches)
                throw new ModelFormatException($"{source}: bank.gridsFile {gf} declares {bytes} bytes, not up to " +
                    $"{b.Patches} (height, width) pairs");
        }
        foreach (var (name, entry) in m.Files)
            if (entry.Bytes < 0) throw new ModelFormatException($"{source}: {name} declares {entry.Bytes} bytes");
    }

    private static void ExpectBytes(ModelManifest m, string field, string name, long expected, string source)
    {
        long declared = m.Files[name].Bytes;
        if (expected < 0 || declared != expected)
            throw new ModelFormatException(
                $"{source}: {field} {name} declares {declared} bytes, its shape needs {expected}");
    }

    /// <summary>rows x columns x element size, or -1 when that overflows (then no file can match it).</summary>
    private static long Times(long rows, long columns, int element)
    {
        try { return checked(rows * columns * element); }
        catch (OverflowException) { return -1; }
    }
}
