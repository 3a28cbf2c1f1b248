namespace Reb.Storage;

/// <summary>
/// The model rules shared by every store (validation, model.json last, idempotent publish, verified fetch into a
/// temp folder renamed into place), written once on top of a few raw operations on store paths
/// (see <see cref="ArtefactKeys"/> for the layout). Implementations add transport, atomicity and retries.
/// </summary>
public abstract class ArtefactStoreBase(IModelFormat format) : IArtefactStore
{
    /// <summary>The model format whose rules every publish and fetch checks.</summary>
    protected IModelFormat Format { get; } = format ?? throw new ArgumentNullException(nameof(format));

    public abstract string Description { get; }

    /// <summary>True when a blob exists at <paramref name="path"/>.</summary>
    protected abstract Task<bool> PathExistsAsync(string path, CancellationToken ct);

    /// <summary>Whole content of a small blob (model.json), or null when absent.</summary>
    protected abstract Task<byte[]?> ReadSmallAsync(string path, CancellationToken ct);

    /// <summary>Writes a small blob atomically (model.json).</summary>
    protected abstract Task WriteSmallAsync(string path, byte[] bytes, CancellationToken ct);

    /// <summary>
    /// Streams a local file to <paramref name="path"/>. Must refuse (throw <see cref="IModelFormat.Damaged"/>'s
    /// exception) to make
    /// the blob visible when the bytes sent do not match <paramref name="expected"/>.
    /// </summary>
    protected abstract Task UploadModelFileAsync(string path, string sourceFile, StoredFile expected,
        CancellationToken ct);

    /// <summary>Streams the blob at <paramref name="path"/> into a new local file; false when there is no such
    /// blob.</summary>
    protected abstract Task<bool> DownloadModelFileAsync(string path, string destinationFile, CancellationToken ct);

    /// <summary>All blob paths starting with <paramref name="prefix"/> (complete paths, any order).</summary>
    protected abstract Task<IReadOnlyList<string>> ListPathsAsync(string prefix, CancellationToken ct);

    protected abstract Task PutBlobAsync(string path, Stream content, CancellationToken ct);
    protected abstract Task<Stream?> GetBlobAsync(string path, CancellationToken ct);
    protected abstract Task<bool> DeleteBlobAsync(string path, CancellationToken ct);
    /// <summary>Bytes of the blob at <paramref name="path"/>, or null when there is none.</summary>
    protected abstract Task<long?> PathSizeAsync(string path, CancellationToken ct);

    public async Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDir);
        // Refuse a damaged model before anything is uploaded.
        var manifest = Format.CheckForPublish(modelDir);

        var version = manifest.Version;
        var manifestPath = ArtefactKeys.ModelPath(version, Format.ManifestFile);
        // Same version = same bytes (content address): a complete copy needs nothing more.
        if (await PathExistsAsync(manifestPath, ct).ConfigureAwait(false)) return version;

        foreach (var (name, entry) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            await UploadModelFileAsync(ArtefactKeys.ModelPath(version, name), Path.Combine(modelDir, name), entry, ct)
                .ConfigureAwait(false);
        // Last: its presence is what makes the version complete for every reader.
        var manifestBytes = await File.ReadAllBytesAsync(Path.Combine(modelDir, Format.ManifestFile), ct)
            .ConfigureAwait(false);
        await WriteSmallAsync(manifestPath, manifestBytes, ct).ConfigureAwait(false);
        return version;
    }

    public async Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default)
    {
        ArtefactKeys.CheckVersion(version);
        ArgumentException.ThrowIfNullOrEmpty(cacheRoot);
        var root = Path.GetFullPath(cacheRoot);
        var target = Path.Combine(root, version);
        if (Directory.Exists(target))
        {
            if (Format.IsIntactCopy(target, version)) return target;
            LocalFolders.RemoveDirectory(target); // a damaged cached copy is replaced, never used
        }

        var manifestBytes = await ReadSmallAsync(ArtefactKeys.ModelPath(version, Format.ManifestFile), ct)
            .ConfigureAwait(false)
                            ?? throw new ModelNotFoundException(version, Description, Format.ManifestFile);
        var manifest = Format.ParseStored(manifestBytes, version,
            $"{ArtefactKeys.ModelPath(version, Format.ManifestFile)} in {Description}");

        Directory.CreateDirectory(root);
        var temp = Path.Combine(root, $".{version}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var what = $"model {version} in {Description}";
            foreach (var (name, entry) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var dest = Path.Combine(temp, name);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                if (!await DownloadModelFileAsync(ArtefactKeys.ModelPath(version, name), dest, ct)
                    .ConfigureAwait(false))
                    throw Format.Damaged($"{what} is incomplete: {name} is missing");
                Format.CheckFile(temp, name, entry, what);
            }
            await File.WriteAllBytesAsync(Path.Combine(temp, Format.ManifestFile), manifestBytes, ct)
                .ConfigureAwait(false);
            Format.CheckDirectory(temp); // the same rules every reader applies

            try { Directory.Move(temp, target); }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another fetch of the same version won the rename; its copy must be as good as ours.
                LocalFolders.DeleteQuietly(temp);
                if (!Format.IsIntactCopy(target, version))
                    throw Format.Damaged(
                        $"cache folder '{target}' appeared during the fetch and is not an intact copy of {version}");
            }
            return target;
        }
        catch
        {
            LocalFolders.DeleteQuietly(temp);
            throw;
        }
    }

    public Task<bool> ExistsAsync(string version, CancellationToken ct = default)
    {
        ArtefactKeys.CheckVersion(version);
        return PathExistsAsync(ArtefactKeys.ModelPath(version, Format.ManifestFile), ct);
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken ct = default)
    {
        var paths = await ListPathsAsync(ArtefactKeys.ModelsPrefix, ct).ConfigureAwait(false);
        // models/<version>/model.json and nothing deeper: versions whose publish finished.
        return paths.Select(p => p.Split('/'))
            .Where(s => s.Length == 3 && s[2] == Format.ManifestFile)
            .Select(s => s[1])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public Task PutAsync(string key, Stream content, CancellationToken ct = default)
    {
        ArtefactKeys.CheckKey(key);
        ArgumentNullException.ThrowIfNull(content);
        return PutBlobAsync(ArtefactKeys.BlobPath(key), content, ct);
    }

    public Task<Stream?> GetAsync(string key, CancellationToken ct = default)
    {
        ArtefactKeys.CheckKey(key);
        return GetBlobAsync(ArtefactKeys.BlobPath(key), ct);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        ArtefactKeys.CheckKey(key);
        return DeleteBlobAsync(ArtefactKeys.BlobPath(key), ct);
    }

    public Task<long?> SizeAsync(string key, CancellationToken ct = default)
    {
        ArtefactKeys.CheckKey(key);
        return PathSizeAsync(ArtefactKeys.BlobPath(key), ct);
    }

    public async Task<long> DeleteModelAsync(string version, CancellationToken ct = default)
    {
        ArtefactKeys.CheckVersion(version);
        var manifestPath = ArtefactKeys.ModelPath(version, Format.ManifestFile);
        long bytes = 0;
        if (await PathSizeAsync(manifestPath, ct).ConfigureAwait(false) is { } manifestBytes)
        {
            bytes += manifestBytes;
            await DeleteBlobAsync(manifestPath, ct).ConfigureAwait(false);
        }
        // Every other file of the folder, listed rather than read from the manifest: a publish that stopped halfway
        // left files that no manifest names.
        foreach (var path in await ListPathsAsync(ArtefactKeys.ModelPath(version, ""), ct).ConfigureAwait(false))
        {
            var size = await PathSizeAsync(path, ct).ConfigureAwait(false);
            if (await DeleteBlobAsync(path, ct).ConfigureAwait(false)) bytes += size ?? 0;
        }
        return bytes;
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
    {
        ArtefactKeys.CheckPrefix(prefix);
        var paths = await ListPathsAsync(ArtefactKeys.BlobPath(prefix), ct).ConfigureAwait(false);
        return paths.Select(p => p[ArtefactKeys.BlobsPrefix.Length..]).Order(StringComparer.Ordinal).ToList();
    }
}
