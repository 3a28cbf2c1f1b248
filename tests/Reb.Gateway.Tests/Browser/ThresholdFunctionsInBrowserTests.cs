using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// Fast unit-level checks of the dashboard's pure modules (threshold.js, the SSE parser in sse.js) executed in the
/// real browser against C#-computed expectations. No silo: the shipped (embedded) files are served by request routing.
/// </summary>
public sealed class ThresholdFunctionsInBrowserTests(ChromiumBrowser chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumBrowser>
{
    private const string Origin = "http://dashboard.test";

    private async Task<IPage> PageWithModulesAsync()
    {
        Assert.True(DashboardAssets.Read("threshold.js") is not null,
            "Reb.Gateway does not embed wwwroot/dashboard/threshold.js (csproj: EmbeddedResource wwwroot/**)");
        var page = await chromium.NewPageAsync(owner: output);
        page.Console += (_, m) => output.WriteLine($"console {m.Type}: {m.Text}");
        await page.RouteAsync(Origin + "/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path == "/blank.html")
            {
                await route.FulfillAsync(new()
                {
                    Status = 200,
                    ContentType = "text/html",
                    Body = "<!doctype html><title>modules</title>"
                });
                return;
            }
            var bytes = path.StartsWith("/dashboard/", StringComparison.Ordinal)
                ? DashboardAssets.Read(path["/dashboard/".Length..]) : null;
            if (bytes is null) await route.FulfillAsync(new() { Status = 404, Body = "not shipped: " + path });
            else await route.FulfillAsync(new()
            {
                Status = 200,
                ContentType = DashboardAssets.ContentType(path),
                BodyBytes = bytes
            });
        });
        await page.GotoAsync(Origin + "/blank.html");
        return page;
    }

    [Fact]
    public async Task Rates_match_the_CSharp_reference_at_every_probed_threshold_including_exact_scores()
    {
        var rng = new Random(20261129);
        var good = Enumerable.Range(0, 37).Select(_ => Math.Round(1.0 + 0.3 * Gaussian(rng), 3)).ToArray();
        var defects = Enumerable.Range(0, 23).Select(_ => Math.Round(2.0 + 0.5 * Gaussian(rng), 3)).ToArray();
        good[5] = good[6]; // a tie: both sides of a threshold equal to it must count together
        // Thresholds below/above everything, between, and exactly on scores (the >= boundary).
        var thresholds =
            new List<double> { good.Min() - 1, defects.Max() + 1, good[6], defects[3], good.Max(), defects.Min() };
        for (int i = 0; i < 20; i++) thresholds.Add(0.5 + 2.5 * rng.NextDouble());

        var page = await PageWithModulesAsync();
        var actual = await page.EvaluateAsync<JsonElement>(
            """
            async ({ good, defects, thresholds }) => {
              const m = await import('/dashboard/threshold.js');
              return thresholds.map(t => ({ fr: m.falseRejectRate(good, t), esc: m.escapeRate(defects, t),
                                            both: m.ratesAt({ goodScores: good, defectScores: defects }, t) }));
            }
            """, new { good, defects, thresholds });

        Assert.Equal(thresholds.Count, actual.GetArrayLength());
        for (int i = 0; i < thresholds.Count; i++)
        {
            var r = actual[i];
            Assert.Equal(ExpectedRates.FalseReject(good, thresholds[i]), r.GetProperty("fr").GetDouble());
            Assert.Equal(ExpectedRates.Escape(defects, thresholds[i]), r.GetProperty("esc").GetDouble());
            Assert.Equal(r.GetProperty("fr").GetDouble(),
                r.GetProperty("both").GetProperty("falseRejectRate").GetDouble());
            Assert.Equal(r.GetProperty("esc").GetDouble(), r.GetProperty("both").GetProperty("escapeRate").GetDouble());
        }
        // Sanity of the probe set itself: it reaches both ends.
        Assert.Equal(1.0, ExpectedRates.FalseReject(good, thresholds[0]));
        Assert.Equal(1.0, ExpectedRates.Escape(defects, thresholds[1]));
    }

    [Fact]
    public async Task Missing_defect_scores_give_an_unknown_escape_rate_not_zero()
    {
        var page = await PageWithModulesAsync();
        // (The script is in pieces that end mid-line: the text the page runs stays as it was.)
        var r = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const m = await import('/dashboard/threshold.js');
              return { nullDefects: m.escapeRate(null, 1), emptyDefects: m.escapeRate([], 1),
            """ + """
             noGood: m.falseRejectRate([], 1),
                       text: m.formatRate(m.escapeRate(null, 1), 'unknown'), pct: m.formatRate(0.125) };
            }
            """);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("nullDefects").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("emptyDefects").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("noGood").ValueKind);
        Assert.Equal("unknown", r.GetProperty("text").GetString());
        Assert.Equal("12.5 %", r.GetProperty("pct").GetString());
    }

    [Fact]
    public async Task Slider_range_covers_every_score_and_positions_round_trip_within_half_a_step()
    {
        double[] good = [0.91, 1.02, 1.4], defects = [1.9, 3.3];
        const double threshold = 1.55;
        var page = await PageWithModulesAsync();
        var r = await page.EvaluateAsync<JsonElement>(
            """
            async ({ good, defects, threshold }) => {
              const m = await import('/dashboard/threshold.js');
              const range = m.sliderRange({ threshold, goodScores: good, defectScores: defects });
              const pos = m.thresholdToPosition(range, threshold);
              return { range, pos, back: m.positionToThreshold(range, pos),
                       ends: [m.positionToThreshold(range, 0), m.positionToThreshold(range, range.steps)],
                       clamped: [m.thresholdToPosition(range, -100), m.thresholdToPosition(range, 100)] };
            }
            """, new { good, defects, threshold });
        double min = r.GetProperty("range").GetProperty("min").GetDouble(),
            max = r.GetProperty("range").GetProperty("max").GetDouble();
        int steps = r.GetProperty("range").GetProperty("steps").GetInt32();
        Assert.All(good.Concat(defects).Append(threshold), s => Assert.InRange(s, min, max));
        Assert.True(min < good.Min() && max > defects.Max(),
            "the slider must reach past the extreme scores (0 % and 100 % rates)");
        Assert.InRange(r.GetProperty("back").GetDouble(), threshold - (max - min) / steps / 2,
            threshold + (max - min) / steps / 2);
        Assert.Equal(min, r.GetProperty("ends")[0].GetDouble(), 12);
        Assert.Equal(max, r.GetProperty("ends")[1].GetDouble(), 12);
        Assert.Equal(0, r.GetProperty("clamped")[0].GetInt32());
        Assert.Equal(steps, r.GetProperty("clamped")[1].GetInt32());
    }

    [Fact]
    public async Task Sse_parser_reassembles_events_split_across_chunks()
    {
        var page = await PageWithModulesAsync();
        var events = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const { createSseParser } = await import('/dashboard/sse.js');
              const p = createSseParser();
              const chunks = ['event: progress\ndata: {"percent"', ':40}\n', '\n: keep-alive\n\n', 'data: a\r',
            """ + """
             '\ndata: b\r\n\r', '\nevent: progress\ndata:{"percent":100}\n\n'];
              return chunks.flatMap(c => p.feed(c));
            }
            """);
        Assert.Equal(3, events.GetArrayLength());
        Assert.Equal("progress", events[0].GetProperty("event").GetString());
        Assert.Equal(40, JsonDocument.Parse(events[0].GetProperty("data").GetString()!)
            .RootElement.GetProperty("percent").GetInt32());
        Assert.Equal("message", events[1].GetProperty("event").GetString());
        Assert.Equal("a\nb", events[1].GetProperty("data").GetString());
        Assert.Equal("{\"percent\":100}", events[2].GetProperty("data").GetString());
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
