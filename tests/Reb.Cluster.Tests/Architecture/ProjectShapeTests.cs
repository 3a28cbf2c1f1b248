using System.Text.RegularExpressions;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Architecture;

/// <summary>
/// The shape the design promises, checked on the source: the grains only move data between the core's stages (no
/// decoding, resizing, embedding or density arithmetic of their own), the gateway runs no method work at all (it
/// forwards to grains), the store knows nothing of the method, and each grain interface has its own file.
/// Namespace cycles are found by <see cref="NamespaceCycleTests"/>, which resolves qualified names too.
/// </summary>
public sealed class ProjectShapeTests
{
    private static IEnumerable<(string Path, string Text)> Sources(string project) =>
        Directory.EnumerateFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "src", project), "*.cs",
            SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
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
        var offenders = Sources("Reb.Grains").Where(s => s.Text.Contains(pattern, StringComparison.Ordinal))
            .Select(s => Path.GetFileName(s.Path)).ToList();
        Assert.True(offenders.Count == 0,
            $"'{pattern}' in src/Reb.Grains: {string.Join(", ", offenders)} (call Reb.Core's stage instead)");
    }

    [Theory]
    [InlineData("BankAppend.")]           // bank updates run in the bank-update grain
    [InlineData("ModelFitter.")]          // fitting runs in the training grain
    [InlineData("Extractor.Embed(")]      // feature extraction
    [InlineData("Backbone.Load")]
    [InlineData("ScorePatches(")]         // scoring runs in the scoring and shard grains
    [InlineData("ImageResizer.")]         // the model's input resize
    [InlineData(".mean(")]
    [InlineData("SkiaSharp")]             // image work goes through Core's loader, scaler and renderer
    [InlineData(">= m.Threshold")]        // verdict rule
    public void The_gateway_holds_no_method_code(string pattern)
    {
        var offenders = Sources("Reb.Gateway").Where(s => s.Text.Contains(pattern, StringComparison.Ordinal))
            .Select(s => Path.GetFileName(s.Path)).ToList();
        Assert.True(offenders.Count == 0, $"'{pattern}' in src/Reb.Gateway: {string.Join(", ", offenders)} (forward " +
            "to a grain or call Reb.Core's stage)");
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

    [Fact]
    public void Storage_knows_nothing_of_the_method()
    {
        var root = PcbModelFixture.RepositoryRoot();
        var project = File.ReadAllText(Path.Combine(root, "src", "Reb.Storage", "Reb.Storage.csproj"));
        Assert.DoesNotContain("Reb.Core", project);
        var offenders = Sources("Reb.Storage").Where(s => s.Text.Contains("Reb.Core", StringComparison.Ordinal))
            .Select(s => Path.GetFileName(s.Path)).ToList();
        Assert.True(offenders.Count == 0,
            $"src/Reb.Storage mentions Reb.Core in {string.Join(", ", offenders)} (check models through IModelFormat)");
    }
}
