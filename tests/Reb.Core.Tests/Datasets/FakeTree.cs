namespace Reb.Core.Tests.Datasets;

/// <summary>A throw-away folder tree of empty files (nothing is decoded when listing datasets).</summary>
internal sealed class FakeTree : IDisposable
{
    public FakeTree()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reb-dataset-tests", Guid.NewGuid().ToString("N"),
            "category");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Creates empty files at the given paths relative to the root ("/" separated).</summary>
    public FakeTree Files(params string[] relativePaths)
    {
        foreach (var relative in relativePaths)
        {
            string path = Path(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, []);
        }
        return this;
    }

    public FakeTree Folders(params string[] relativePaths)
    {
        foreach (var relative in relativePaths) Directory.CreateDirectory(Path(relative));
        return this;
    }

    public string Path(string relative)
        => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public void Dispose()
    {
        try { Directory.Delete(System.IO.Path.GetDirectoryName(Root)!, recursive: true); }
        catch (IOException) { /* temp folder: leftovers are harmless */ }
    }
}
