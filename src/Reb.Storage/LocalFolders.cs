namespace Reb.Storage;

/// <summary>Removal of local folders (caches, temp folders of fetches and uploads) that never leaves a half-deleted
/// folder under its real name.</summary>
public static class LocalFolders
{
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
