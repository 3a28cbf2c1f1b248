using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Storage;

/// <summary>The shared behaviour against the embedded default: a folder.</summary>
public sealed class LocalFolderArtefactStoreTests : ArtefactStoreBehaviourTests
{
    private readonly LocalFolderArtefactStore _store;

    public LocalFolderArtefactStoreTests()
        => _store = new LocalFolderArtefactStore(Path.Combine(Work, "store"), ModelDirectoryFormat.Instance);

    protected override IArtefactStore Store => _store;

    private string Full(string storePath) => Path.Combine(_store.RootDir, storePath);

    protected override Task CorruptStoredAsync(string storePath)
    {
        FlipByte(Full(storePath));
        return Task.CompletedTask;
    }

    protected override Task DeleteStoredAsync(string storePath)
    {
        File.Delete(Full(storePath));
        return Task.CompletedTask;
    }

    protected override Task<string> StampAsync(string storePath)
    {
        var full = Full(storePath);
        if (!File.Exists(full)) throw new FileNotFoundException(storePath);
        return Task.FromResult(File.GetLastWriteTimeUtc(full).Ticks.ToString());
    }

    [Fact]
    public async Task Writes_leave_no_temporary_files_and_the_layout_is_the_documented_one()
    {
        var version = await Store.PublishModelAsync(NewModel(21));
        await Store.PutAsync("ckpt/a.bin", new MemoryStream([1, 2, 3]));
        await Store.PutAsync("ckpt/a.bin", new MemoryStream([4, 5]));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_store.RootDir, ".tmp")));
        Assert.True(File.Exists(Full($"models/{version}/model.json")));
        Assert.Equal([4, 5], await File.ReadAllBytesAsync(Full("blobs/ckpt/a.bin")));

        Assert.True(await Store.DeleteAsync("ckpt/a.bin"));
        Assert.False(Directory.Exists(Full("blobs/ckpt"))); // emptied key folders are cleaned up
    }
}
