using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
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
            if (!IsPlainName(name)) throw new ModelFormatException($"{source}: the manifest lists an unsafe file " +
                $"name '{name}' (plain names only: letters, digits, '-', '_', '.')");
            if (name == ModelDirectory.ManifestFile)
                throw new ModelFormatException(
                    $"{source}: the manifest lists {ModelDirectory.ManifestFile} among its own files");
        }
    }

    /// <summary>
    /// One plain file name: no folders, no '..', nothing a store, a cache folder or an upload folder could resolve
    /// elsewhere (an absolute path, /dev/zero, ../x all fail).
    /// </summary>
    public static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 128 && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Throws <see cref="ModelFormatException"/> naming the first listed file that is missing, truncated or
    /// corrupt.</summary>
    public static void VerifyAll(string dir, ModelManifest manifest)
    {
        foreach (var (name, expected) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            Verify(dir, name, expected, $"model '{dir}'");
    }

    /// <summary>Checks one file's size and SHA-256 against its manifest entry, streaming it once.</summary>
    /// <param name="inspect">sees each chunk as it is read (offset, bytes; chunks are whole multiples of 16 bytes
    /// except the last), for checks of the content that need no second pass.</param>
    public static void Verify(string dir, string name, FileEntry expected, string what,
        Action<long, ReadOnlySpan<byte>>? inspect = null)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            Stream(dir, name, expected, what, chunk: buffer.AsSpan(0, 1 << 20), into: null, inspect);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>A float32 array file read into memory once, its size and checksum verified while it is read.</summary>
    public static float[] ReadFloats(string dir, string name, FileEntry expected, string what)
    {
        var values = new float[CheckedCount(expected, sizeof(float), name, what)];
        Stream(dir, name, expected, what, default, MemoryMarshal.AsBytes(values.AsSpan()), null);
        return values;
    }

    /// <summary>An int64 array file read into memory once, its size and checksum verified while it is read.</summary>
    public static long[] ReadLongs(string dir, string name, FileEntry expected, string what)
    {
        var values = new long[CheckedCount(expected, sizeof(long), name, what)];
        Stream(dir, name, expected, what, default, MemoryMarshal.AsBytes(values.AsSpan()), null);
        return values;
    }

    private static long CheckedCount(FileEntry expected, int element, string name, string what) =>
        expected.Bytes >= 0 && expected.Bytes % element == 0 && expected.Bytes <= Array.MaxLength
            ? expected.Bytes / element
            : throw new ModelFormatException(
                $"{what}: {name} declares {expected.Bytes} bytes, not an array this build can hold");

    /// <summary>
    /// Reads <paramref name="name"/> (a plain name: never a path) once: the size is checked against the entry before
    /// a byte is read, the hash is computed chunk by chunk, bytes go either into <paramref name="into"/> (exactly the
    /// declared size) or through <paramref name="chunk"/> and are dropped.
    /// </summary>
    private static void Stream(string dir, string name, FileEntry expected, string what, Span<byte> chunk,
        Span<byte> into,
        Action<long, ReadOnlySpan<byte>>? inspect)
    {
        if (!IsPlainName(name))
            throw new ModelFormatException($"{what}: '{name}' is not a plain file name of the model");
        var path = Path.Combine(dir, name);
        if (!File.Exists(path)) throw new ModelFormatException($"{what} is incomplete: {name} is missing");
        using var fs =
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (fs.Length != expected.Bytes)
            throw new ModelFormatException(
                $"{what}: {name} has {fs.Length} bytes, the manifest says {expected.Bytes} (truncated or replaced)");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        while (true)
        {
            Span<byte> target = chunk;
            if (!into.IsEmpty)
            {
                int at = (int)Math.Min(offset, into.Length);
                target = into.Slice(at, Math.Min(1 << 20, into.Length - at));
            }
            int n = target.IsEmpty ? 0 : fs.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
            if (n == 0) break;
            hash.AppendData(target[..n]);
            inspect?.Invoke(offset, target[..n]);
            offset += n;
        }
        // A file that grew or shrank while it was read is not the one whose length was checked.
        if (offset != expected.Bytes || fs.ReadByte() != -1)
            throw new ModelFormatException($"{what}: {name} changed while it was read (truncated or replaced)");
        if (Convert.ToHexStringLower(hash.GetHashAndReset()) != expected.Sha256)
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
            throw new ModelFormatException(
                $"{source}: unsupported model format '{m.Format}' (this build reads {ModelManifest.CurrentFormat})");
        var hash = ModelDirectory.ComputeVersion(m);
        if (m.Version != version || !ModelDirectory.IsContentOf(m, version, json))
            throw new ModelFormatException($"{source}: the stored manifest is not version {version} (it says " +
                $"{m.Version}, its content hashes to {hash}); the blob is corrupt or was replaced");
        // Names only here (the store's layer); the loader checks every size and the backbone before any probe.
        CheckFileNames(m, source);
        return m;
    }
}
