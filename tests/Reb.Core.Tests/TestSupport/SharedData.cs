namespace Reb.Core.Tests.TestSupport;

/// <summary>
/// Locates the shared real datasets: "../shared/datasets" next to the repository root (the folder holding
/// RebCluster.sln, found by walking up from the test binaries). Tests on real data use
/// <see cref="SharedDataFactAttribute"/> so that they are reported as skipped, not passed, where it is absent.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> LazyRoot = new(FindRoot);

    /// <summary>Absolute path of the shared datasets folder, or null when it is not present.</summary>
    public static string? Root => LazyRoot.Value;

    /// <summary>Absolute path of the repository root (folder with RebCluster.sln), or null.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>Path of one dataset category under <see cref="Root"/> (call only when Root is not null).</summary>
    public static string Category(string name) =>
        Path.Combine(Root ?? throw new InvalidOperationException("shared datasets are not present"), name);

    private static string? FindRoot()
    {
        string? repo = RepositoryRoot();
        if (repo is null) return null;
        string datasets = Path.GetFullPath(Path.Combine(repo, "..", "shared", "datasets"));
        return Directory.Exists(datasets) ? datasets : null;
    }
}

/// <summary>A fact that is skipped (with a reason) when the shared datasets folder is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null) Skip = "../shared/datasets not present (expected next to the repository root)";
    }
}
