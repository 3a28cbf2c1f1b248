using Reb.Core.Artefacts;

namespace Reb.Grains.Artefacts;

/// <summary>
/// Artefacts in a local folder (the embedded default and the tests): models under models/&lt;version&gt;/, blobs under
/// blobs/&lt;key&gt;. Several silos on one machine share the folder like they would share a blob container.
/// Writes go to a temporary name renamed into place, so readers never see half a file.
/// </summary>
public sealed class FolderClusterArtefacts(string root) : IClusterArtefacts
{
    public string Root { get; } = Path.GetFullPath(root);

    private string ModelDir(string version) => Path.Combine(Root, "models", CheckName(version, "model version"));

    public Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default)
    {
        // Verified before it is published: a corrupt directory never gets a content address in the store.
        var manifest = ModelStore.ReadAndVerify(modelDir, out _);
        var target = ModelDir(manifest.Version);
        if (!Directory.Exists(target)) CopyAtomically(modelDir, target);
        return Task.FromResult(manifest.Version);
    }

    public Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default)
    {
        var source = ModelDir(version);
        if (!Directory.Exists(source))
            throw new ModelFormatException($"model version '{version}' does not exist in the artefact store '{Root}'");
        var local = Path.Combine(Path.GetFullPath(cacheRoot), version);
        if (!Directory.Exists(local))
        {
            var temp = CopyToTemp(source, local);
            try
            {
                var manifest = ModelStore.ReadAndVerify(temp, out _);
                if (manifest.Version != version)
                    throw new ModelFormatException($"model version '{version}': the stored manifest says it is '{manifest.Version}'");
                if (!Directory.Exists(local)) Directory.Move(temp, local);
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
        }
        return Task.FromResult(local);
    }

    public Task<bool> ModelExistsAsync(string version, CancellationToken ct = default) =>
        Task.FromResult(File.Exists(Path.Combine(ModelDir(version), ModelDirectory.ManifestFile)));

    public async Task PutAsync(string key, byte[] content, CancellationToken ct = default)
    {
        var path = BlobPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".tmp-{Guid.NewGuid():N}";
        await File.WriteAllBytesAsync(temp, content, ct);
        File.Move(temp, path, overwrite: true);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        var path = BlobPath(key);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
    }

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        var path = BlobPath(key);
        if (File.Exists(path)) File.Delete(path);
        return Task.CompletedTask;
    }

    private string BlobPath(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Contains("..") || Path.IsPathRooted(key))
            throw new ArgumentException($"blob key '{key}' must be a relative name without '..'", nameof(key));
        return Path.Combine(Root, "blobs", key);
    }

    private static string CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\']) >= 0 || name.Contains(".."))
            throw new ModelFormatException($"{what} '{name}' is not a valid name");
        return name;
    }

    private static void CopyAtomically(string source, string target)
    {
        var temp = CopyToTemp(source, target);
        try { Directory.Move(temp, target); }
        catch (IOException) when (Directory.Exists(target)) { Directory.Delete(temp, recursive: true); } // raced: same content
    }

    private static string CopyToTemp(string source, string target)
    {
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
        return temp;
    }
}
