using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Grains.Models;

/// <summary>
/// The method's model directory (model.json and the files it lists) as the artefact store checks it: the one
/// <see cref="IModelFormat"/> that silos, gateways and the CLI give their stores. Damage is reported as Core's
/// <see cref="ModelFormatException"/>, which the API and the grains already map to clear answers.
/// </summary>
public sealed class ModelDirectoryFormat : IModelFormat
{
    public static readonly ModelDirectoryFormat Instance = new();

    public string ManifestFile => ModelDirectory.ManifestFile;

    public StoredModel CheckForPublish(string modelDir)
    {
        var manifest = ModelDirectory.ReadManifest(modelDir);
        ModelFiles.CheckFileNames(manifest, Path.Combine(modelDir, ModelDirectory.ManifestFile));
        ModelFiles.VerifyAll(modelDir, manifest);
        return Listing(manifest);
    }

    public StoredModel ParseStored(byte[] manifestBytes, string version, string source) =>
        Listing(ModelFiles.ParseStored(manifestBytes, version, source));

    public void CheckFile(string dir, string name, StoredFile expected, string what) =>
        ModelFiles.Verify(dir, name, new FileEntry(expected.Sha256, expected.Bytes), what);

    public void CheckDirectory(string dir) => ModelDirectory.ReadManifest(dir);

    public bool IsIntactCopy(string dir, string version) => ModelFiles.IsIntactCopy(dir, version);

    public Exception Damaged(string message) => new ModelFormatException(message);

    private static StoredModel Listing(ModelManifest m) =>
        new(m.Version, m.Files.ToDictionary(f => f.Key, f => new StoredFile(f.Value.Sha256, f.Value.Bytes),
            StringComparer.Ordinal));
}
