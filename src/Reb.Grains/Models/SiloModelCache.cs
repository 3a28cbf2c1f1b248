using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Hosting;

namespace Reb.Grains.Models;

/// <summary>A model version fetched and verified on this silo.</summary>
public sealed record LocalModel(string Version, string Directory, ModelManifest Manifest);

/// <summary>A version's patch embedder with the lock that serialises its forward passes on this silo.</summary>
public sealed class CachedEmbedder(FeatureExtractor extractor) : IDisposable
{
    public FeatureExtractor Extractor { get; } = extractor;
    public SemaphoreSlim Gate { get; } = new(1, 1);
    public void Dispose() { Extractor.Dispose(); Gate.Dispose(); }
}

/// <summary>
/// Per-silo cache of model versions: one verified local copy and one backbone per version, however many grains
/// of this silo use it. A failed fetch is not cached, so a repaired store is picked up by the next call. The copies
/// are bounded by "Reb:CacheMaxMb": after each fetch the least recently used other versions are removed until the
/// folder fits (readers load files when they open a version, so a removed copy is only fetched again).
/// </summary>
public sealed class SiloModelCache : IDisposable
{
    private readonly IArtefactStore _artefacts;
    private readonly SiloDevice _device;
    private readonly ConcurrentDictionary<string, Lazy<Task<LocalModel>>> _models = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedEmbedder>>> _embedders = new();
    private readonly ConcurrentDictionary<string, DateTime> _lastUsed = new(StringComparer.Ordinal);
    private readonly object _evictLock = new();
    private readonly bool _temporary;

    public SiloModelCache(IArtefactStore artefacts, IOptions<RebOptions> options, SiloDevice device,
        ILocalSiloDetails silo)
    {
        _artefacts = artefacts;
        _device = device;
        var root = options.Value.CacheRoot;
        MaxBytes = options.Value.CacheMaxMb * (1L << 20);
        // Silos of one machine (or one test process) must not share a cache folder they write concurrently; a silo's
        // port is its own on a machine and stays the same when it restarts.
        _temporary = string.IsNullOrEmpty(root);
        CacheRoot = _temporary
            ? Path.Combine(Path.GetTempPath(), "reb-silo-cache", Guid.NewGuid().ToString("N"))
            : Path.Combine(Path.GetFullPath(root), $"silo-{silo.SiloAddress.Endpoint.Port}");
        Directory.CreateDirectory(CacheRoot);
        // Half-written copies of a previous run of this silo (only this silo writes here).
        foreach (var temp in Directory.EnumerateDirectories(CacheRoot, ".*"))
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            catch (UnauthorizedAccessException) { }
    }

    /// <summary>Most bytes of model copies kept.</summary>
    public long MaxBytes { get; }

    public string CacheRoot { get; }
    /// <summary>The silo's artefact store (models, training uploads, checkpoints).</summary>
    public IArtefactStore Artefacts => _artefacts;
    /// <summary>Where this silo's tensors run.</summary>
    public TorchSharp.torch.Device Device => _device.Device;

    /// <summary>
    /// The verified local copy of <paramref name="version"/>; throws <see cref="ModelNotFoundException"/> when the
    /// store does not have it and <see cref="ModelFormatException"/> when it is corrupt.
    /// </summary>
    public Task<LocalModel> GetAsync(string version)
    {
        _lastUsed[version] = DateTime.UtcNow;
        return GetOrRetry(_models, version, async () =>
        {
            var dir = await _artefacts.FetchModelAsync(version, CacheRoot);
            var model = new LocalModel(version, dir, ModelDirectory.ReadManifest(dir));
            EvictBeyondLimit(keep: version);
            return model;
        });
    }

    /// <summary>Removes the least recently used version folders (not training jobs' work folders) (never
    /// <paramref name="keep"/>) until the cache holds at
    /// most <see cref="MaxBytes"/>. Folders of a previous run count as used when they were last written.</summary>
    public void EvictBeyondLimit(string keep)
    {
        lock (_evictLock)
        {
            var folders = new DirectoryInfo(CacheRoot).EnumerateDirectories("sha256-*")
                .Select(d => (Dir: d, Bytes: d.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length),
                              Used: _lastUsed.TryGetValue(d.Name, out var t) ? t : d.LastWriteTimeUtc))
                .OrderBy(f => f.Used).ToList();
            long total = folders.Sum(f => f.Bytes);
            foreach (var f in folders.Where(f => f.Dir.Name != keep))
            {
                if (total <= MaxBytes) break;
                _models.TryRemove(f.Dir.Name, out _);
                try { f.Dir.Delete(recursive: true); total -= f.Bytes; }
                catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>The version's backbone + aggregation (the model's one loader, <see cref="ModelStore.LoadEmbedder"/>),
    /// once per silo.</summary>
    public Task<CachedEmbedder> GetEmbedderAsync(string version) => GetOrRetry(_embedders, version, async () =>
    {
        var model = await GetAsync(version);
        return await Task.Run(()
            => new CachedEmbedder(ModelStore.LoadEmbedder(model.Directory, model.Manifest, Device)));
    });

    private static async Task<T> GetOrRetry<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key,
        Func<Task<T>> create)
    {
        var lazy = cache.GetOrAdd(key, _ => new Lazy<Task<T>>(create));
        try { return await lazy.Value; }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var e in _embedders.Values)
            if (e.IsValueCreated && e.Value.IsCompletedSuccessfully) e.Value.Result.Dispose();
        if (_temporary)
            try { Directory.Delete(CacheRoot, recursive: true); } catch (IOException) { }
            catch (UnauthorizedAccessException) { }
    }
}
