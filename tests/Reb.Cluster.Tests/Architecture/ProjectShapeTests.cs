using System.Text.RegularExpressions;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Architecture;

/// <summary>
/// The shape the design promises, checked on the source: the grains only move data between the core's stages (no
/// decoding, resizing, embedding or density arithmetic of their own), and the core's namespaces form no cycle.
/// </summary>
public sealed class ProjectShapeTests
{
    private static IEnumerable<(string Path, string Text)> Sources(string project) =>
        Directory.EnumerateFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "src", project), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p => (p, File.ReadAllText(p)));

    [Theory]
    [InlineData("ImageLoader.")]          // decoding
    [InlineData("ImageResizer.")]         // resizing
    [InlineData("ResizeRgb(")]
    [InlineData("Extractor.Embed(")]      // feature extraction
    [InlineData("embedder.Embed(")]
    [InlineData("Backbone.Load")]         // building a backbone
    [InlineData(".mean(")]                // density reduction
    [InlineData("ThresholdCalibration.")] // threshold rule
    [InlineData(">= m.Threshold")]        // verdict rule
    public void Grains_hold_no_method_code(string pattern)
    {
        var offenders = Sources("Reb.Grains").Where(s => s.Text.Contains(pattern, StringComparison.Ordinal)).Select(s => Path.GetFileName(s.Path)).ToList();
        Assert.True(offenders.Count == 0, $"'{pattern}' in src/Reb.Grains: {string.Join(", ", offenders)} (call Reb.Core's stage instead)");
    }

    [Fact]
    public void Core_namespaces_form_no_cycle()
    {
        var edges = new Dictionary<string, HashSet<string>>();
        foreach (var (_, text) in Sources("Reb.Core"))
        {
            var ns = Regex.Match(text, @"^namespace (Reb\.Core(?:\.\w+)?);", RegexOptions.Multiline).Groups[1].Value;
            if (ns.Length == 0) continue;
            var deps = edges.TryGetValue(ns, out var d) ? d : edges[ns] = [];
            foreach (Match m in Regex.Matches(text, @"^using (Reb\.Core\.\w+);", RegexOptions.Multiline))
                if (m.Groups[1].Value != ns) deps.Add(m.Groups[1].Value);
        }
        // Depth-first search for a back edge; the message names the cycle.
        var state = new Dictionary<string, int>();
        var path = new Stack<string>();
        foreach (var n in edges.Keys) Visit(n);

        void Visit(string n)
        {
            if (state.GetValueOrDefault(n) == 2) return;
            path.Push(n);
            Assert.True(state.GetValueOrDefault(n) != 1, "namespace cycle in Reb.Core: " + string.Join(" <- ", path));
            state[n] = 1;
            foreach (var m in edges.GetValueOrDefault(n) ?? []) Visit(m);
            state[n] = 2;
            path.Pop();
        }
    }

    [Fact]
    public void Each_grain_interface_has_its_own_file()
    {
        foreach (var (path, text) in Sources("Reb.Abstractions"))
        {
            var interfaces = Regex.Matches(text, @"public interface (\w+)").Select(m => m.Groups[1].Value).ToList();
            Assert.True(interfaces.Count <= 1, $"{Path.GetFileName(path)} declares {string.Join(", ", interfaces)}");
            if (interfaces.Count == 1) Assert.Equal(interfaces[0] + ".cs", Path.GetFileName(path));
        }
    }
}
