namespace Reb.Storage;

/// <summary>Folder-level shortcuts over <see cref="IArtefactStore"/>'s keys (a "folder" is a key prefix ending in
/// '/').</summary>
public static class ArtefactStoreFolders
{
    /// <summary>Deletes every blob under <paramref name="prefix"/>; returns how many went.</summary>
    public static async Task<int> DeleteAllAsync(this IArtefactStore store, string prefix,
        CancellationToken ct = default)
    {
        int deleted = 0;
        foreach (var key in await store.ListAsync(prefix, ct))
            if (await store.DeleteAsync(key, ct)) deleted++;
        return deleted;
    }
}
