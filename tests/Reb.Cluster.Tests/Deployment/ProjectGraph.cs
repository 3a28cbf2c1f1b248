using System.Xml.Linq;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>The ProjectReference closure of a project, read from the .csproj files (paths relative to the
/// repository).</summary>
public static class ProjectGraph
{
    public static string RepositoryRoot => Path.GetDirectoryName(K8sManifests.Folder)!;

    /// <summary>Repository-relative paths ("src/Reb.Silo/Reb.Silo.csproj") of the project and everything it
    /// references.</summary>
    public static IReadOnlyList<string> Closure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(Path.Combine(RepositoryRoot, project))]);
        while (pending.TryPop(out var path))
        {
            var relative = Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/');
            if (!seen.Add(relative)) continue;
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
            {
                var include = (string?)reference.Attribute("Include")
                    ?? throw new InvalidDataException($"{relative}: ProjectReference without Include");
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, include.Replace('\\', '/'))));
            }
        }
        return seen.ToList();
    }

    /// <summary>Files a project imports through $(RepoRoot) (e.g. build/ResNet18Weights.targets),
    /// repository-relative.</summary>
    public static IEnumerable<string> RepoImports(string project) =>
        XDocument.Load(Path.Combine(RepositoryRoot, project)).Descendants("Import")
            .Select(i => (string?)i.Attribute("Project") ?? "")
            .Where(p => p.StartsWith("$(RepoRoot)", StringComparison.Ordinal))
            .Select(p => p["$(RepoRoot)".Length..]);
}
