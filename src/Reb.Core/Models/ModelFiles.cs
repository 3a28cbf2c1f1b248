using System.Text;

namespace Reb.Core.Models;

/// <summary>
/// Checks of a model directory against its manifest that stream each file once (a core set can be hundreds of MB,
/// so nothing is loaded whole), with messages that name the file.
/// </summary>
public static class ModelFiles
{
    /// <summary>Manifest file names become store paths and cache paths: they must be plain relative names.</summary>
    public static void CheckFileNames(ModelManifest manifest, string source)
    {
        foreach (var name in manifest.Files.Keys)
        {
            // One plain file name per entry: no folders, no '..', nothing a store or a cache folder could resolve elsewhere.
            bool plain = name.Length is > 0 and <= 128 && name != "." && name != ".."
                         && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
            if (!plain) throw new ModelFormatException($"{source}: the manifest lists an unsafe file name '{name}' (plain names only: letters, digits, '-', '_', '.')");
            if (name == ModelDirectory.ManifestFile)
                throw new ModelFormatException($"{source}: the manifest lists {ModelDirectory.ManifestFile} among its own files");
        }
    }

    /// <summary>Throws <see cref="ModelFormatException"/> naming the first listed file that is missing, truncated or corrupt.</summary>
    public static void VerifyAll(string dir, ModelManifest manifest)
    {
        foreach (var (name, expected) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            Verify(dir, name, expected, $"model '{dir}'");
    }

    /// <summary>Checks one file's size and SHA-256 against its manifest entry.</summary>
    public static void Verify(string dir, string name, FileEntry expected, string what)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path)) throw new ModelFormatException($"{what} is incomplete: {name} is missing");
        var actual = TensorFiles.Describe(path);
        if (actual.Bytes != expected.Bytes)
            throw new ModelFormatException($"{what}: {name} has {actual.Bytes} bytes, the manifest says {expected.Bytes} (truncated or replaced)");
        if (actual.Sha256 != expected.Sha256)
            throw new ModelFormatException($"{what}: checksum mismatch for {name} (the file is corrupt)");
    }

    /// <summary>True when <paramref name="dir"/> holds an intact copy of <paramref name="version"/>.</summary>
    public static bool IsIntactCopy(string dir, string version)
    {
        try
        {
            var m = ModelDirectory.ReadManifest(dir);
            if (m.Version != version) return false;
            CheckFileNames(m, dir);
            VerifyAll(dir, m);
            return true;
        }
        catch (ModelFormatException) { return false; }
    }

    /// <summary>Parses model.json as read from a store and checks it really is <paramref name="version"/>.</summary>
    /// <param name="source">where the bytes came from, for messages (store path and store).</param>
    public static ModelManifest ParseStored(byte[] manifestBytes, string version, string source)
    {
        var json = Encoding.UTF8.GetString(manifestBytes);
        var m = ModelDirectory.Deserialize(json, source);
        if (m.Format != ModelManifest.CurrentFormat)
            throw new ModelFormatException($"{source}: unsupported model format '{m.Format}' (this build reads {ModelManifest.CurrentFormat})");
        var hash = ModelDirectory.ComputeVersion(m);
        if (m.Version != version || !ModelDirectory.IsContentOf(m, version, json))
            throw new ModelFormatException($"{source}: the stored manifest is not version {version} (it says {m.Version}, its content hashes to {hash}); the blob is corrupt or was replaced");
        CheckFileNames(m, source);
        return m;
    }

    /// <summary>Deletes a folder, first renaming it aside so a concurrent reader never sees it half-deleted.</summary>
    public static void RemoveDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return;
        var aside = Path.Combine(Path.GetDirectoryName(dir) ?? ".", $".{Path.GetFileName(dir)}.del-{Guid.NewGuid():N}");
        try { Directory.Move(dir, aside); } catch (DirectoryNotFoundException) { return; }
        DeleteQuietly(aside);
    }

    public static void DeleteQuietly(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // best effort: a leftover temp folder is harmless, the real error matters more
        catch (UnauthorizedAccessException) { }
    }
}
