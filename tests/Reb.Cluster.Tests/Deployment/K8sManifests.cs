using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>One YAML document of a manifest file, as the untyped tree YamlDotNet builds (maps, lists, strings).</summary>
public sealed record K8sDocument(string File, int Index, IDictionary<object, object> Root)
{
    public string? Kind => Root.Str("kind");
    public string? Name => Root.Map("metadata")?.Str("name");
    public override string ToString() => $"{File}#{Index} {Kind}/{Name}";
}

/// <summary>Every document of every k8s/*.yaml file of the repository.</summary>
public static class K8sManifests
{
    private static readonly Lazy<IReadOnlyList<K8sDocument>> Documents = new(Load);

    public static IReadOnlyList<K8sDocument> All => Documents.Value;

    public static IEnumerable<K8sDocument> OfKind(string kind) => All.Where(d => d.Kind == kind);

    /// <summary>The repository's k8s folder, found upwards from the test binaries (the folder holding RebCluster.sln).</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln")))
                    return Path.Combine(dir.FullName, "k8s");
            throw new DirectoryNotFoundException($"no RebCluster.sln above {AppContext.BaseDirectory}: cannot find k8s/");
        }
    }

    private static IReadOnlyList<K8sDocument> Load()
    {
        var deserializer = new DeserializerBuilder().Build();
        var docs = new List<K8sDocument>();
        foreach (var file in Directory.GetFiles(Folder, "*.yaml").Concat(Directory.GetFiles(Folder, "*.yml")).Order())
        {
            var parser = new Parser(new StringReader(File.ReadAllText(file)));
            parser.Consume<StreamStart>();
            int index = 0;
            while (parser.Accept<DocumentStart>(out _))
            {
                var doc = deserializer.Deserialize<object>(parser);
                index++;
                // A document that is only comments (e.g. after a trailing "---") is empty, not a resource.
                if (doc is null) continue;
                if (doc is not IDictionary<object, object> map)
                    throw new InvalidDataException($"{Path.GetFileName(file)} document {index} is not a mapping");
                docs.Add(new K8sDocument(Path.GetFileName(file), index, map));
            }
        }
        return docs;
    }

    // --- small accessors over the untyped tree ---

    public static IDictionary<object, object>? Map(this IDictionary<object, object>? node, string key) =>
        node != null && node.TryGetValue(key, out var v) ? v as IDictionary<object, object> : null;

    public static IEnumerable<IDictionary<object, object>> Maps(this IDictionary<object, object>? node, string key) =>
        node != null && node.TryGetValue(key, out var v) && v is IEnumerable<object> list
            ? list.OfType<IDictionary<object, object>>()
            : [];

    public static string? Str(this IDictionary<object, object>? node, string key) =>
        node != null && node.TryGetValue(key, out var v) && v is string s ? s : null;

    /// <summary>A string-to-string map (labels, selectors, ConfigMap data); empty when absent.</summary>
    public static IReadOnlyDictionary<string, string> StringMap(this IDictionary<object, object>? node, string key) =>
        node.Map(key)?.ToDictionary(kv => (string)kv.Key, kv => kv.Value as string ?? "") ?? new Dictionary<string, string>();

    /// <summary>Pod template spec of a Deployment.</summary>
    public static IDictionary<object, object> PodSpec(this K8sDocument deployment) =>
        deployment.Root.Map("spec").Map("template").Map("spec")
        ?? throw new InvalidDataException($"{deployment}: no spec.template.spec");

    public static IReadOnlyDictionary<string, string> PodLabels(this K8sDocument deployment) =>
        deployment.Root.Map("spec").Map("template").Map("metadata").StringMap("labels");

    /// <summary>The one container of a silo pod.</summary>
    public static IDictionary<object, object> SiloContainer(this K8sDocument deployment) =>
        deployment.PodSpec().Maps("containers").Single();
}
