using System.Security.Cryptography;

namespace Reb.Storage;

/// <summary>
/// The embedded default store: a folder (local disk or a mounted share) with the layout of <see cref="ArtefactKeys"/>.
/// Every write goes to a temporary file under <c>&lt;root&gt;/.tmp</c> (same file system) and is moved into place, so a
/// reader sees the old blob or the new one, never a partial one. Model files are hashed while copied and refused
/// when they do not match the manifest; generic blobs rely on the atomic write (no separate checksum on disk).
/// </summary>
public sealed class LocalFolderArtefactStore : ArtefactStoreBase
{
    private const int CopyBufferBytes = 1 << 20;
    private readonly string _root;
    private readonly string _tempDir;

    public LocalFolderArtefactStore(string rootDir, IModelFormat format) : base(format)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDir);
        _root = Path.GetFullPath(rootDir);
        _tempDir = Path.Combine(_root, ".tmp");
    }

    /// <summary>The store's folder.</summary>
    public string RootDir => _root;

    public override string Description => $"local artefact store '{_root}'";

    private string Full(string path) => Path.Combine(_root, path.Replace('/', Path.DirectorySeparatorChar));

    protected override Task<bool> PathExistsAsync(string path, CancellationToken ct)
        => Task.FromResult(File.Exists(Full(path)));

    protected override async Task<byte[]?> ReadSmallAsync(string path, CancellationToken ct)
    {
        try { return await File.ReadAllBytesAsync(Full(path), ct).ConfigureAwait(false); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    protected override Task WriteSmallAsync(string path, byte[] bytes, CancellationToken ct) =>
        WriteAtomicallyAsync(path, new MemoryStream(bytes, writable: false), null, ct);

    protected override async Task UploadModelFileAsync(string path, string sourceFile, StoredFile expected,
        CancellationToken ct)
    {
        await using var source = OpenRead(sourceFile);
        await WriteAtomicallyAsync(path, source, actual =>
        {
            if (actual != expected)
                throw Format.Damaged(
                    $"{sourceFile} changed while it was being published (the copy does not match the manifest entry)");
        }, ct).ConfigureAwait(false);
    }

    protected override async Task<bool> DownloadModelFileAsync(string path, string destinationFile,
        CancellationToken ct)
    {
        FileStream source;
        try { source = OpenRead(Full(path)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return false; }
        await using (source)
        await using (var dest = new FileStream(destinationFile, FileMode.CreateNew, FileAccess.Write, FileShare.None,
            CopyBufferBytes, useAsync: true))
            await source.CopyToAsync(dest, CopyBufferBytes, ct).ConfigureAwait(false);
        return true;
    }

    protected override Task<IReadOnlyList<string>> ListPathsAsync(string prefix, CancellationToken ct)
    {
        // Walk only the deepest folder the prefix names completely, then filter by the full prefix.
        var cut = prefix.LastIndexOf('/');
        var start = cut < 0 ? _root : Full(prefix[..cut]);
        var found = new List<string>();
        if (Directory.Exists(start))
        {
            foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories))
            {
                ct.ThrowIfCancellationRequested();
                var rel = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (rel.StartsWith(prefix, StringComparison.Ordinal)) found.Add(rel);
            }
        }
        return Task.FromResult<IReadOnlyList<string>>(found);
    }

    protected override Task PutBlobAsync(string path, Stream content, CancellationToken ct)
        => WriteAtomicallyAsync(path, content, null, ct);

    protected override Task<Stream?> GetBlobAsync(string path, CancellationToken ct)
    {
        try { return Task.FromResult<Stream?>(OpenRead(Full(path))); }
        catch (Exception e) when (e is FileNotFoundException
            or DirectoryNotFoundException) { return Task.FromResult<Stream?>(null); }
    }

    protected override Task<bool> DeleteBlobAsync(string path, CancellationToken ct)
    {
        var full = Full(path);
        if (!File.Exists(full)) return Task.FromResult(false);
        File.Delete(full);
        var top = path.StartsWith(ArtefactKeys.ModelsPrefix, StringComparison.Ordinal) ? ArtefactKeys.ModelsPrefix
            : ArtefactKeys.BlobsPrefix;
        RemoveEmptyParents(full, Full(top.TrimEnd('/')));
        return Task.FromResult(true);
    }

    protected override Task<long?> PathSizeAsync(string path, CancellationToken ct)
    {
        var file = new FileInfo(Full(path));
        return Task.FromResult<long?>(file.Exists ? file.Length : null);
    }

    private static FileStream OpenRead(string path) =>
        // FileShare.Delete: a concurrent replace (rename over) or delete must not fail because a reader has it open.
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferBytes, useAsync: true);

    /// <summary>Copies <paramref name="content"/> into a temp file while hashing it, lets <paramref name="check"/> veto
    /// it, then renames it into place.</summary>
    private async Task WriteAtomicallyAsync(string path, Stream content, Action<StoredFile>? check,
        CancellationToken ct)
    {
        var final = Full(path);
        Directory.CreateDirectory(_tempDir);
        var temp = Path.Combine(_tempDir, Guid.NewGuid().ToString("N"));
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var dest = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                CopyBufferBytes, useAsync: true))
            {
                var buffer = new byte[CopyBufferBytes];
                int n;
                while ((n = await content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await dest.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    total += n;
                }
                await dest.FlushAsync(ct).ConfigureAwait(false);
                dest.Flush(flushToDisk: true); // durable before it becomes visible
            }
            check?.Invoke(new StoredFile(Convert.ToHexStringLower(hash.GetHashAndReset()), total));
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try { File.Move(temp, final, overwrite: true); }
            catch (DirectoryNotFoundException)
            {
                // A concurrent delete removed the (then empty) folder between the two lines above.
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                File.Move(temp, final, overwrite: true);
            }
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static void RemoveEmptyParents(string file, string stopAt)
    {
        // Best effort, so empty key folders do not pile up; a concurrent writer may refill a folder at any time.
        for (var dir = Path.GetDirectoryName(file); dir != null && dir.Length > stopAt.Length; dir =
            Path.GetDirectoryName(dir))
        {
            try { if (Directory.EnumerateFileSystemEntries(dir).Any()) return; Directory.Delete(dir); }
            catch (IOException) { return; }
        }
    }
}
