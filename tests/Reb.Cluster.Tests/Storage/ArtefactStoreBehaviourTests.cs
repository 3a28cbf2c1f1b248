using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Cluster.Tests.Storage;

/// <summary>
/// What every <see cref="IArtefactStore"/> must do, run against each implementation. A subclass supplies the store
/// and a way to tamper with what it stored, as a failing disk or a careless person would.
/// </summary>
public abstract class ArtefactStoreBehaviourTests : IDisposable
{
    protected readonly string Work = Path.Combine(Path.GetTempPath(), $"reb-store-test-{Guid.NewGuid():N}");

    protected string Cache => Path.Combine(Work, "cache");

    protected abstract IArtefactStore Store { get; }

    /// <summary>Flips one byte of the stored blob at a store path (e.g. models/v/core.f32), keeping its
    /// metadata.</summary>
    protected abstract Task CorruptStoredAsync(string storePath);

    /// <summary>Removes the stored blob at a store path, behind the store's back.</summary>
    protected abstract Task DeleteStoredAsync(string storePath);

    /// <summary>Something that changes whenever the blob at a store path is rewritten (ETag, write time).</summary>
    protected abstract Task<string> StampAsync(string storePath);

    protected string NewModel(int seed, string? name = null, int corePatches = 64, int dim = 16)
    {
        var dir = Path.Combine(Work, "src", name ?? $"m{seed}");
        TestModels.Write(dir, seed, corePatches, dim);
        return dir;
    }

    protected static void FlipByte(string file, long offset = 5)
    {
        using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = offset;
        var b = fs.ReadByte();
        fs.Position = offset;
        fs.WriteByte((byte)(b ^ 0x5A));
    }

    protected static void AssertSameFiles(string expectedDir, string actualDir)
    {
        var expected = TestModels.Fingerprint(expectedDir);
        var actual = TestModels.Fingerprint(actualDir);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected) Assert.Equal(e, actual[name]);
    }

    protected string[] CacheEntries() =>
        Directory.Exists(Cache)
        ? Directory.EnumerateFileSystemEntries(Cache).Select(p => Path.GetFileName(p)).ToArray() : [];

    [Fact]
    public async Task Publish_then_fetch_gives_a_bit_identical_verified_model()
    {
        var src = NewModel(1);
        var manifest = ModelDirectory.ReadManifest(src);

        var version = await Store.PublishModelAsync(src);
        Assert.Equal(manifest.Version, version);
        Assert.True(await Store.ExistsAsync(version));
        Assert.Equal([version], await Store.ListModelsAsync());

        var dir = await Store.FetchModelAsync(version, Cache);
        Assert.Equal(Path.Combine(Path.GetFullPath(Cache), version), dir);
        AssertSameFiles(src, dir);
        var fetched = ModelDirectory.ReadManifest(dir);
        var core = TensorFiles.ReadVerified(dir, ModelDirectory.CoreFile, fetched.Files[ModelDirectory.CoreFile]);
        Assert.Equal(64 * 16 * sizeof(float), core.Length);
        Assert.Equal([version], CacheEntries()); // no temp folder left behind
    }

    [Fact]
    public async Task Publishing_again_is_a_no_op_and_other_models_get_other_versions()
    {
        var v1 = await Store.PublishModelAsync(NewModel(1));
        var corePath = ArtefactKeys.ModelPath(v1, ModelDirectory.CoreFile);
        var manifestPath = ArtefactKeys.ModelPath(v1, ModelDirectory.ManifestFile);
        var before = (await StampAsync(corePath), await StampAsync(manifestPath));

        // The same model written again elsewhere has the same content address.
        var again = await Store.PublishModelAsync(NewModel(1, name: "copy-of-m1"));
        Assert.Equal(v1, again);
        Assert.Equal(before, (await StampAsync(corePath), await StampAsync(manifestPath)));

        var v2 = await Store.PublishModelAsync(NewModel(2));
        Assert.NotEqual(v1, v2);
        Assert.Equal(new[] { v1, v2 }.Order(StringComparer.Ordinal), await Store.ListModelsAsync());
    }

    [Fact]
    public async Task A_damaged_source_directory_is_refused_and_nothing_becomes_visible()
    {
        var src = NewModel(3);
        FlipByte(Path.Combine(src, ModelDirectory.CoreFile));

        var e = await Assert.ThrowsAsync<ModelFormatException>(() => Store.PublishModelAsync(src));
        Assert.Contains(ModelDirectory.CoreFile, e.Message);
        Assert.Empty(await Store.ListModelsAsync());
        Assert.False(await Store.ExistsAsync(ModelDirectory.ReadManifest(src).Version));
    }

    [Fact]
    public async Task A_missing_version_is_ModelNotFound_with_a_clear_message_and_the_cache_stays_empty()
    {
        const string version = "sha256-0123456789abcdef0123456789abcdef";
        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => Store.FetchModelAsync(version, Cache));
        Assert.Equal(version, e.Version);
        Assert.Contains(version, e.Message);
        Assert.Contains(Store.Description, e.Message);
        Assert.False(await Store.ExistsAsync(version));
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task A_version_without_its_manifest_is_incomplete_and_a_new_publish_completes_it()
    {
        var src = NewModel(4);
        var version = await Store.PublishModelAsync(src);
        // as if the publish died before the end
        await DeleteStoredAsync(ArtefactKeys.ModelPath(version, ModelDirectory.ManifestFile));

        Assert.False(await Store.ExistsAsync(version));
        Assert.Empty(await Store.ListModelsAsync());
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Store.FetchModelAsync(version, Cache));

        Assert.Equal(version, await Store.PublishModelAsync(src));
        AssertSameFiles(src, await Store.FetchModelAsync(version, Cache));
    }

    [Fact]
    public async Task A_corrupt_blob_is_refused_naming_the_file_and_the_cache_keeps_no_partial_copy()
    {
        var version = await Store.PublishModelAsync(NewModel(5));
        await CorruptStoredAsync(ArtefactKeys.ModelPath(version, ModelDirectory.CoreFile));

        var e = await Assert.ThrowsAsync<ModelFormatException>(() => Store.FetchModelAsync(version, Cache));
        Assert.Contains(ModelDirectory.CoreFile, e.Message);
        Assert.Contains("checksum", e.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task A_missing_file_blob_is_refused_naming_the_file()
    {
        var version = await Store.PublishModelAsync(NewModel(6));
        await DeleteStoredAsync(ArtefactKeys.ModelPath(version, ModelDirectory.DensityFile));

        var e = await Assert.ThrowsAsync<ModelFormatException>(() => Store.FetchModelAsync(version, Cache));
        Assert.Contains(ModelDirectory.DensityFile, e.Message);
        Assert.Contains("missing", e.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task An_intact_cached_copy_is_reused()
    {
        var src = NewModel(7);
        var version = await Store.PublishModelAsync(src);
        var dir = await Store.FetchModelAsync(version, Cache);

        // The store can no longer serve the core file, yet the fetch succeeds: it came from the verified cache.
        await DeleteStoredAsync(ArtefactKeys.ModelPath(version, ModelDirectory.CoreFile));
        Assert.Equal(dir, await Store.FetchModelAsync(version, Cache));
        AssertSameFiles(src, dir);
    }

    [Fact]
    public async Task A_damaged_cached_copy_is_replaced_by_a_fresh_verified_one()
    {
        var src = NewModel(17);
        var version = await Store.PublishModelAsync(src);
        var dir = await Store.FetchModelAsync(version, Cache);

        FlipByte(Path.Combine(dir, ModelDirectory.DensityFile));
        Assert.Equal(dir, await Store.FetchModelAsync(version, Cache));
        AssertSameFiles(src, dir);
        Assert.Equal([version], CacheEntries());
    }

    [Fact]
    public async Task Generic_blobs_round_trip_list_overwrite_and_delete()
    {
        var rng = new Random(11);
        var big = new byte[100_000];
        rng.NextBytes(big);
        var other = new byte[3_000];
        rng.NextBytes(other);

        await Store.PutAsync("ckpt/job-1/step-1.bin", new NonSeekableStream(new MemoryStream(big)));
        await Store.PutAsync("ckpt/job-1/step-2.bin", new MemoryStream(other));
        await Store.PutAsync("ckpt/job-2/a", new MemoryStream(other));
        await Store.PutAsync("uploads/x.png", new MemoryStream([]));

        Assert.Equal(big, await ReadAllAsync("ckpt/job-1/step-1.bin"));
        Assert.Empty((await ReadAllAsync("uploads/x.png"))!);
        Assert.Equal(["ckpt/job-1/step-1.bin", "ckpt/job-1/step-2.bin"], await Store.ListAsync("ckpt/job-1/"));
        Assert.Equal(["ckpt/job-1/step-1.bin", "ckpt/job-1/step-2.bin", "ckpt/job-2/a"],
            await Store.ListAsync("ckpt/"));
        Assert.Equal(4, (await Store.ListAsync("")).Count);

        await Store.PutAsync("ckpt/job-1/step-1.bin", new MemoryStream(other));
        Assert.Equal(other, await ReadAllAsync("ckpt/job-1/step-1.bin"));

        Assert.True(await Store.DeleteAsync("ckpt/job-1/step-1.bin"));
        Assert.False(await Store.DeleteAsync("ckpt/job-1/step-1.bin"));
        Assert.Null(await Store.GetAsync("ckpt/job-1/step-1.bin"));
        Assert.Null(await Store.GetAsync("never/written"));
        Assert.Equal(["ckpt/job-1/step-2.bin"], await Store.ListAsync("ckpt/job-1/"));
        Assert.Empty(await Store.ListModelsAsync()); // generic blobs never look like models
    }

    [Fact]
    public async Task Sizes_are_reported_and_a_deleted_model_is_gone_with_all_its_files()
    {
        await Store.PutBytesAsync("sizes/a.bin", new byte[1234]);
        Assert.Equal(1234L, await Store.SizeAsync("sizes/a.bin"));
        Assert.Null(await Store.SizeAsync("sizes/missing.bin"));

        var keep = await Store.PublishModelAsync(NewModel(41));
        var src = NewModel(42);
        var version = await Store.PublishModelAsync(src);
        long expected = Directory.EnumerateFiles(src).Sum(f => new FileInfo(f).Length);
        Assert.Equal(expected, await Store.DeleteModelAsync(version));
        Assert.False(await Store.ExistsAsync(version));
        Assert.DoesNotContain(version, await Store.ListModelsAsync());
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Store.FetchModelAsync(version, Cache));
        Assert.Equal(0L, await Store.DeleteModelAsync(version)); // nothing left: deleting again removes nothing
        // Another version and the generic blobs are untouched; a new publish of the same bytes works again.
        Assert.True(await Store.ExistsAsync(keep));
        Assert.Equal(1234L, await Store.SizeAsync("sizes/a.bin"));
        Assert.Equal(version, await Store.PublishModelAsync(src));
        AssertSameFiles(src, await Store.FetchModelAsync(version, Cache));
    }

    [Fact]
    public async Task Generic_keys_live_apart_from_models()
    {
        var src = NewModel(8);
        var json = await File.ReadAllBytesAsync(Path.Combine(src, ModelDirectory.ManifestFile));
        var version = ModelDirectory.ReadManifest(src).Version;
        await Store.PutAsync($"models/{version}/model.json", new MemoryStream(json));

        Assert.False(await Store.ExistsAsync(version));
        Assert.Empty(await Store.ListModelsAsync());
        Assert.Equal([$"models/{version}/model.json"], await Store.ListAsync("models/"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../outside")]
    [InlineData("a/../../b")]
    [InlineData("./a")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a\\b")]
    public async Task Unsafe_keys_are_rejected(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key));
        if (key.Length > 0 && key != "a/") await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(key));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public async Task Unsafe_versions_are_rejected(string version)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.FetchModelAsync(version, Cache));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(version));
        Assert.Empty(CacheEntries());
    }

    protected async Task<byte[]?> ReadAllAsync(string key)
    {
        await using var s = await Store.GetAsync(key);
        if (s == null) return null;
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    public virtual void Dispose()
    {
        if (Directory.Exists(Work)) Directory.Delete(Work, recursive: true);
        GC.SuppressFinalize(this);
    }
}
