using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Storage;

/// <summary>The shared behaviour against a real Azurite, plus what only a shared remote store has (sites, blocks,
/// metadata checksums).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobArtefactStoreTests : ArtefactStoreBehaviourTests
{
    /// <summary>Small blocks, so even test models go through the multi-block path.</summary>
    internal static readonly AzureBlobArtefactStoreOptions TestOptions = new()
    {
        BlockBytes = 16 << 10,
        InMemoryReadLimitBytes = 32 << 10,
        Resilience = new ArtefactStoreResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
            BreakDuration = TimeSpan.FromSeconds(1),
            SamplingDuration = TimeSpan.FromSeconds(5),
        },
    };

    private readonly AzuriteFixture _azurite;
    private readonly BlobContainerClient _container;
    private readonly AzureBlobArtefactStore _store;

    public AzureBlobArtefactStoreTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _container = azurite.NewContainer();
        _store = new AzureBlobArtefactStore(_container, ModelDirectoryFormat.Instance, TestOptions);
    }

    protected override IArtefactStore Store => _store;

    private BlobClient RawBlob(string storePath) => _azurite.Raw(_container.Name).GetBlobClient(storePath);

    protected override async Task CorruptStoredAsync(string storePath)
    {
        // Through a raw client, keeping the metadata: only the bytes can tell.
        var blob = RawBlob(storePath);
        var props = (await blob.GetPropertiesAsync()).Value;
        var bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        bytes[5] ^= 0x5A;
        await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions { Metadata = props.Metadata });
    }

    protected override async Task DeleteStoredAsync(string storePath) => await RawBlob(storePath).DeleteAsync();

    protected override async Task<string> StampAsync(string storePath)
    {
        try { return (await RawBlob(storePath).GetPropertiesAsync()).Value.ETag.ToString(); }
        catch (RequestFailedException e) when (e.Status == 404) { throw new FileNotFoundException(storePath, e); }
    }

    [Fact]
    public async Task Two_sites_sharing_one_container_see_each_others_versions_by_content_address()
    {
        var plantA = _store;
        var plantB = new AzureBlobArtefactStore(_azurite.NewContainerClientFor(_container.Name),
            ModelDirectoryFormat.Instance, TestOptions);
        var src = NewModel(31);

        var version = await plantA.PublishModelAsync(src);
        Assert.True(await plantB.ExistsAsync(version));
        Assert.Equal([version], await plantB.ListModelsAsync());
        var atB = await plantB.FetchModelAsync(version, Path.Combine(Work, "cache-b"));
        AssertSameFiles(src, atB);

        // Plant B trains the very same model: same address, nothing rewritten.
        var stamp = await StampAsync(ArtefactKeys.ModelPath(version, ModelDirectory.ManifestFile));
        Assert.Equal(version, await plantB.PublishModelAsync(NewModel(31, name: "plant-b-copy")));
        Assert.Equal(stamp, await StampAsync(ArtefactKeys.ModelPath(version, ModelDirectory.ManifestFile)));

        // A different model from B is visible to A.
        var other = await plantB.PublishModelAsync(NewModel(32));
        Assert.Contains(other, await plantA.ListModelsAsync());
        AssertSameFiles(Path.Combine(Work, "src", "m32"), await plantA.FetchModelAsync(other, Cache));
    }

    [Fact]
    public async Task Big_files_are_uploaded_as_blocks_and_carry_their_checksum()
    {
        var src = NewModel(33, corePatches: 1000, dim: 64); // core.f32 = 256000 bytes = 16 blocks of 16 KiB
        var version = await Store.PublishModelAsync(src);
        var entry = ModelDirectory.ReadManifest(src).Files[ModelDirectory.CoreFile];

        var raw = _azurite.Raw(_container.Name)
            .GetBlockBlobClient(ArtefactKeys.ModelPath(version, ModelDirectory.CoreFile));
        var blocks = (await raw.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        Assert.Equal((int)Math.Ceiling(entry.Bytes / (double)TestOptions.BlockBytes), blocks.Count);
        Assert.All(blocks.SkipLast(1), b => Assert.Equal(TestOptions.BlockBytes, b.SizeLong));
        Assert.Equal(entry.Sha256, (await raw.GetPropertiesAsync()).Value.Metadata["sha256"]);

        AssertSameFiles(src, await Store.FetchModelAsync(version, Cache));
    }

    [Fact]
    public async Task A_generic_blob_changed_behind_the_stores_back_is_refused()
    {
        var content = new byte[50_000]; // larger than the in-memory limit: verified through a temp file
        new Random(34).NextBytes(content);
        await Store.PutAsync("ckpt/job-9/state.bin", new MemoryStream(content));
        await Store.PutAsync("ckpt/small.bin", new MemoryStream(content[..100]));
        Assert.Equal(content, await ReadAllAsync("ckpt/job-9/state.bin"));

        await CorruptStoredAsync("blobs/ckpt/job-9/state.bin");
        await CorruptStoredAsync("blobs/ckpt/small.bin");
        foreach (var key in new[] { "ckpt/job-9/state.bin", "ckpt/small.bin" })
        {
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync(key));
            Assert.Contains(key, e.Message);
            Assert.Contains("checksum mismatch", e.Message);
        }

        // A blob that some other tool wrote (no checksum) is refused too, rather than trusted.
        await RawBlob("blobs/foreign.bin").UploadAsync(new BinaryData(content[..10]));
        var foreign = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync("foreign.bin"));
        Assert.Contains("no sha256", foreign.Message);
    }
}
