using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>Inspections through the HTTP API the score and drift tests share.</summary>
public static class Inspections
{
    /// <summary>One inspection; a 503/504 (the shared test machine under load) is retried.</summary>
    public static async Task<JsonElement> InspectAsync(HttpClient c, string line, string name, byte[] bytes)
    {
        for (int attempt = 1; ; attempt++)
        {
            var r = await c.PostAsync($"api/lines/{line}/inspect?name={name}", Http.Image(bytes));
            if (r.IsSuccessStatusCode) return await r.ReadJson();
            var body = await r.Content.ReadAsStringAsync();
            if (attempt == 3 || (int)r.StatusCode is not (503 or 504))
                Assert.Fail($"inspect answered {(int)r.StatusCode}: {body}");
            await Task.Delay(2000);
        }
    }

    /// <summary>
    /// A good sample image as a camera that moved closer would show it: the central 1/<paramref name="zoom"/> of the
    /// image scaled up to the full size (SkiaSharp), PNG bytes. Its patches are coarser than any the line was
    /// calibrated on, so it scores higher than the clean image, as a drifting line's good parts do.
    /// </summary>
    public static byte[] Zoomed(string path, float zoom)
    {
        using var source = SKBitmap.Decode(path);
        using var surface = SKSurface.Create(new SKImageInfo(source.Width, source.Height));
        float w = source.Width / zoom, h = source.Height / zoom;
        var crop = SKRect.Create((source.Width - w) / 2, (source.Height - h) / 2, w, h);
        using var image = SKImage.FromBitmap(source);
        surface.Canvas.DrawImage(image, crop, SKRect.Create(source.Width, source.Height),
            new SKSamplingOptions(SKFilterMode.Linear));
        using var shot = surface.Snapshot();
        using var png = shot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>
    /// A run of <paramref name="parts"/> shifted scores on <paramref name="line"/> (a <see cref="WiderVersions"/>
    /// line): the
    /// sample's good test images as a camera moved closer shows them (<see cref="Zoomed"/> 6x), those whose score is at
    /// or above <paramref name="reference"/> (the drift test's reference score; measured on a scratch line of the same
    /// version), inspected in turn with the threshold raised to 1.5 x their highest score so they pass, as a drifting
    /// line's parts do until they cross the threshold. Returns how many were inspected.
    /// </summary>
    public static async Task<int> ShiftedRunAsync(GatewayFixture gateway, HttpClient c, HttpClient engineer,
        string line, double reference,
        int parts = 8)
    {
        var probe = await WiderVersions.NewLineAsync(gateway, "probe");
        var shifted = new List<(string Name, byte[] Bytes)>();
        var seen = new List<string>();
        double highest = 0;
        foreach (var path in Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(),
            "samples/deeppcb/test/good"), "*.png").Order())
        {
            var bytes = Zoomed(path, 6);
            var score = (await InspectAsync(c, probe, "probe.png", bytes)).GetProperty("score").GetDouble();
            seen.Add($"{Path.GetFileName(path)} {score:G4}");
            if (score < reference) continue;
            shifted.Add((Path.GetFileName(path), bytes));
            highest = Math.Max(highest, score);
        }
        Assert.True(shifted.Count >= 2,
            $"fewer than 2 zoomed images score at or above the drift reference {reference}: {string.Join("; ", seen)}");
        using (engineer)
            Assert.True((await engineer.PutAsJsonAsync($"api/lines/{line}/threshold",
                new { threshold = 1.5 * highest })).IsSuccessStatusCode);
        for (int n = 0; n < parts; n++)
        {
            var (name, bytes) = shifted[n % shifted.Count];
            var a = await InspectAsync(c, line, $"zoomed-{n}-{name}", bytes);
            Assert.Equal("good", a.GetProperty("verdict").GetString());
            var score = a.GetProperty("score").GetDouble();
            Assert.True(score >= reference,
                $"zoomed {name} scores {score}, below the drift reference {reference}: not a shifted part");
        }
        return parts;
    }
}
