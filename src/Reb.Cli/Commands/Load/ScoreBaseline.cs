using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Core.Imaging;
using Reb.Core.Pipeline;

namespace Reb.Cli.Commands.Load;

/// <summary>
/// The reference rate for the gateway: what `reb score` does in one process (batched decode + embed + LDKNN scoring of
/// the same images with the same model version, without writing overlays), in images per second.
/// </summary>
public static class ScoreBaseline
{
    /// <summary>Scores <paramref name="paths"/> with the model in <paramref name="modelDir"/>: one warm-up batch, then
    /// whole passes until at least <paramref name="minSeconds"/> have passed (at least one pass).</summary>
    public static (int Images, double Seconds) Measure(string modelDir, IReadOnlyList<string> paths, double minSeconds)
    {
        using var model = ModelStore.Load(modelDir);
        var skipped = new List<SkippedImage>();
        foreach (var warm in ImageBatches.Read(paths.Take(model.Options.BatchSize).ToList(), model.Options.ImageSize,
            model.Options.BatchSize, skipped.Add, mode: model.Embedder.Resize))
            using (warm) model.Score(warm);
        int n = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            foreach (var (_, results) in model.ScoreAll(ImageBatches.Read(paths, model.Options.ImageSize,
                model.Options.BatchSize, skipped.Add, mode: model.Embedder.Resize)))
                n += results.Count;
        } while (clock.Elapsed.TotalSeconds < minSeconds);
        if (n == 0) throw new InvalidDataException($"the baseline scored no image ({skipped.Count} skipped)");
        return (n, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The line's current version, asked from the gateway (GET /api/lines/{line}).</summary>
    public static async Task<string> CurrentVersionAsync(LoadSettings s, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = s.BaseUrl, Timeout = s.RequestTimeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", s.ApiKey);
        using var r = await http.GetAsync($"api/lines/{Uri.EscapeDataString(s.Line)}", ct);
        if (!r.IsSuccessStatusCode) throw new InvalidDataException(
            $"GET /api/lines/{s.Line}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
        var doc = await r.Content.ReadFromJsonAsync<JsonElement>(ct);
        return doc.GetProperty("currentVersion").GetString()
               ?? throw new InvalidDataException($"line '{s.Line}' has no current version");
    }

    /// <summary>The version's model directory, copied out of a local artefact store folder into <paramref
    /// name="cacheRoot"/>.</summary>
    public static Task<string> FetchAsync(string artefactRoot, string version, string cacheRoot,
        CancellationToken ct) =>
        new LocalFolderArtefactStore(artefactRoot, Reb.Grains.Models.ModelDirectoryFormat.Instance)
        .FetchModelAsync(version, cacheRoot, ct);
}
