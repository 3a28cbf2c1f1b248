using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>One YAML document of a manifest file, as the untyped tree YamlDotNet builds (maps, lists,
/// strings).</summary>
public sealed record K8sDocument(string File, int Index, IDictionary<object, object> Root)
{
    public string? Kind => Root.Str("kind");
    public string? Name => Root.Map("metadata")?.Str("name");
    public override string ToString() => $"{File}#{Index} {Kind}/{Name}";
}

/// <summary>
/// The manifests a site applies: the example overlay k8s/overlays/plant-1 composed the way `kubectl kustomize` does for
/// the features this repository uses (resources: files and folders with their own kustomization.yaml; patches:
/// strategic
/// merge of maps by kind and name; namespace). Anything else in a kustomization.yaml fails the load, so a feature the
/// tests would silently ignore cannot creep in.
/// </summary>
public static class K8sManifests
{
    public const string ExampleOverlay = "overlays/plant-1";
    private static readonly Lazy<IReadOnlyList<K8sDocument>> Documents =
        new(() => Kustomize(Path.Combine(Folder, ExampleOverlay)));
    private static readonly string[] KnownFields =
        ["apiVersion", "kind", "namespace", "resources", "patches", "images"];

    public static IReadOnlyList<K8sDocument> All => Documents.Value;

    public static IEnumerable<K8sDocument> OfKind(string kind) => All.Where(d => d.Kind == kind);

    /// <summary>The repository's k8s folder, found upwards from the test binaries (the folder holding
    /// RebCluster.sln).</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln")))
                    return Path.Combine(dir.FullName, "k8s");
            throw new DirectoryNotFoundException(
                $"no RebCluster.sln above {AppContext.BaseDirectory}: cannot find k8s/");
        }
    }

    /// <summary>Files (full paths) every kustomization under <paramref name="folder"/> lists, recursively.</summary>
    public static ISet<string> ListedFiles(string folder)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(folder, "kustomization.yaml") };
        var k = Kustomization(folder);
        foreach (var r in Strings(k, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(folder, r));
            if (Directory.Exists(path)) listed.UnionWith(ListedFiles(path)); else listed.Add(path);
        }
        foreach (var patch in k.Maps("patches")) listed.Add(Path.GetFullPath(Path.Combine(folder, patch.Str("path")!)));
        return listed;
    }

    /// <summary>The composed documents of the kustomization in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<K8sDocument> Kustomize(string folder)
    {
        var k = Kustomization(folder);
        var unknown = k.Keys.Cast<string>().Except(KnownFields).ToList();
        if (unknown.Count > 0) throw new InvalidDataException(
            $"{folder}/kustomization.yaml uses {string.Join(", ", unknown)}, which the manifest tests do not model");
        var docs = new List<K8sDocument>();
        foreach (var r in Strings(k, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(folder, r));
            if (Directory.Exists(path)) docs.AddRange(Kustomize(path));
            else if (File.Exists(path)) docs.AddRange(LoadFile(path));
            else throw new FileNotFoundException($"{folder}/kustomization.yaml lists '{r}', which does not exist",
                path);
        }
        foreach (var patch in k.Maps("patches"))
        {
            var file = Path.GetFullPath(Path.Combine(folder,
                patch.Str("path") ?? throw new InvalidDataException($"{folder}: a patch without path")));
            foreach (var p in LoadFile(file))
            {
                var target = docs.SingleOrDefault(d => d.Kind == p.Kind && d.Name == p.Name)
                    ?? throw new InvalidDataException(
                        $"{Relative(file)} patches {p.Kind}/{p.Name}, which the resources do not define");
                Merge(target.Root, p.Root);
            }
        }
        if (k.Str("namespace") is { } ns)
            foreach (var d in docs.Where(d => d.Kind != "Namespace"))
            {
                if (d.Root.Map("metadata") is not { } metadata) throw new InvalidDataException($"{d}: no metadata");
                metadata["namespace"] = ns;
            }
        return docs;
    }

    private static IDictionary<object, object> Kustomization(string folder)
    {
        var file = Path.Combine(folder, "kustomization.yaml");
        if (!File.Exists(file)) throw new FileNotFoundException($"{folder} has no kustomization.yaml", file);
        return new DeserializerBuilder().Build()
            .Deserialize<object>(File.ReadAllText(file)) as IDictionary<object, object>
            ?? throw new InvalidDataException($"{file} is not a mapping");
    }

    private static IEnumerable<string> Strings(IDictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var v) && v is IEnumerable<object> list ? list.OfType<string>() : [];

    /// <summary>Strategic merge for maps (lists and scalars in the patch replace).</summary>
    private static void Merge(IDictionary<object, object> target, IDictionary<object, object> patch)
    {
        foreach (var (key, value) in patch)
            if (value is IDictionary<object, object> child && target.TryGetValue(key, out var existing)
                && existing is IDictionary<object, object> into)
                Merge(into, child);
            else target[key] = value;
    }

    public static string Relative(string path) => Path.GetRelativePath(Folder, path).Replace('\\', '/');

    private static IEnumerable<K8sDocument> LoadFile(string file)
    {
        var deserializer = new DeserializerBuilder().Build();
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
                throw new InvalidDataException($"{Relative(file)} document {index} is not a mapping");
            yield return new K8sDocument(Relative(file), index, map);
        }
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
        node.Map(key)?.ToDictionary(kv => (string)kv.Key, kv => kv.Value as string ?? "")
        ?? new Dictionary<string, string>();

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
