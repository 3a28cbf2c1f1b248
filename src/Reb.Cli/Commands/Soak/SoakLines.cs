using Reb.Cli.Commands.Cluster;
using Reb.Cli.Commands.Load;
using Reb.Core.Backbones;
using Reb.Core.Datasets;
using Reb.Core.Features;
using Reb.Core.Models;
using Spectre.Console;

namespace Reb.Cli.Commands.Soak;

/// <summary>A soak line: its name, bank rows and the test images its clients send.</summary>
public sealed record SoakLine(string Name, string Version, string Category, int Shots, long BankRows,
    IReadOnlyList<LoadImage> Images);

/// <summary>
/// Makes the soak's lines: line i fits category i mod C of --data with its own shot count and coreset seed (so every
/// line has its own bank), single-process as `reb fit` does, publishes the model into the silos' artefact store and
/// registers it as the line's current version with the run's shard count.
/// </summary>
public static class SoakLines
{
    public static async Task<IReadOnlyList<SoakLine>> TrainAsync(SoakSettings settings, ClusterSession session,
        CancellationToken ct)
    {
        var lines = new List<SoakLine>();
        var work = Directory.CreateTempSubdirectory("reb-soak-models-").FullName;
        try
        {
            for (int i = 0; i < settings.Lines; i++)
            {
                var data = settings.Data[i % settings.Data.Count];
                int shots = settings.Shots + i / settings.Data.Count % 4;
                var name = $"soak-{i:00}";
                var ds = DatasetReader.Open(data, DatasetLayout.Auto, shots);
                var options = new InspectionOptions { ImageSize = settings.ImageSize, Ldknn = new() { Seed = i } };
                var (model, fit) = await Task.Run(() => ModelFitter.Fit(ds.TrainGood,
                    new FeatureExtractor(Backbone.LoadDefault(), settings.ImageSize), options), ct);
                ModelManifest manifest;
                using (model) manifest = ModelStore.Save(model, fit, name, Path.Combine(work, name));
                var version = await session.Store.PublishModelAsync(Path.Combine(work, name), ct);
                var grain = session.Client.Line(name);
                await grain.RegisterVersion(version, promote: true);
                await grain.SetShards(settings.Shards);
                // Good and defective test images alike: the clients' mix.
                var images = ds.Test.Select(s => s.ImagePath).OrderBy(p => p, StringComparer.Ordinal)
                    .Where((_, k) => k % Math.Max(1, ds.Test.Count / settings.ImagesPerLine) == 0)
                    .Take(settings.ImagesPerLine)
                    .Select(p => new LoadImage(Path.GetFileName(p), File.ReadAllBytes(p))).ToList();
                if (images.Count == 0) throw new InvalidDataException($"--data '{data}' has no test images");
                lines.Add(new SoakLine(name, version, ds.Category, fit.TrainImages, manifest.Bank.Core, images));
                AnsiConsole.MarkupLine($"soak: line {name} = {Markup.Escape(ds.Category)}, {fit.TrainImages} shots, " +
                    $"bank {manifest.Bank.Core:N0} x {manifest.Bank.Dim}");
            }
            return lines;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
