using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Reb.Abstractions.Grains;
using Reb.Core.Calibration;
using Reb.Gateway.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// The line page's score plots, the slider's predicted rates and the drift banner in headless chromium, on real
/// inspections: a young calibrated version (synthetic defects, no reviewed defect) shows its histogram and timeline
/// with every inspection and calibration image, and the slider predicts the escape rate from the synthetic defects;
/// a run of shifted scores raises the drift banner.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ScorePlotsBrowserTests(GatewayFixture gateway, ChromiumBrowser chromium, ITestOutputHelper output)
    : BrowserTest(gateway)
{
    [Fact]
    public async Task Histogram_timeline_and_the_sliders_synthetic_escape_rate_on_a_line_without_reviewed_defects()
    {
        var young = await YoungVersions.PublishAsync(Gateway);
        var line = "plots-" + Guid.NewGuid().ToString("N")[..6];
        await Gateway.Grains.GetGrain<ILineOperationsGrain>(line).Claim(GatewayFixture.SiteA);
        await Gateway.Grains.GetGrain<IProductLineGrain>(line).RegisterVersion(young, promote: true);
        using var c = Gateway.Client(Operator);

        // The calibration record as the API gives it.
        var record = await (await c.GetAsync($"api/lines/{line}/versions/{young}/calibration")).ReadJson();
        var kinds = record.GetProperty("predictedEscapeByKind").EnumerateArray().ToList();
        Assert.Equal(6, kinds.Count);
        var synthetic = kinds.SelectMany(k => k.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()))
            .ToArray();
        Assert.Equal(GatewayFixture.TrainImages, record.GetProperty("outOfFoldScores").GetArrayLength());
        var fr = record.GetProperty("predictedFalseRejectRate").GetDouble();
        Assert.InRange(fr, record.GetProperty("predictedFalseRejectLower").GetDouble(),
            record.GetProperty("predictedFalseRejectUpper").GetDouble());
        var threshold = record.GetProperty("threshold").GetDouble();
        Assert.Equal(synthetic.Count(s => s < threshold) / (double)synthetic.Length,
            record.GetProperty("predictedEscapeRate").GetDouble(), 12);
        var metrics = (await (await c.GetAsync($"api/lines/{line}")).ReadJson()).GetProperty("currentMetrics");
        Assert.Equal(6, metrics.GetProperty("predictedEscapeRateByKind").EnumerateObject().Count());

        // Real inspections, one reviewed as good (a reviewed part, not a reviewed defect).
        var answers = new List<JsonElement>();
        foreach (var path in Gateway.GoodImages.Concat(Gateway.DefectImages))
            answers.Add(await Inspections.InspectAsync(c, line, Path.GetFileName(path),
                await File.ReadAllBytesAsync(path)));
        var firstGood = answers.FirstOrDefault(a => a.GetProperty("verdict").GetString() == "good");
        if (firstGood.ValueKind == JsonValueKind.Object)
            Assert.True((await c.PostAsJsonAsync(
                $"api/lines/{line}/inspections/{firstGood.GetProperty("id").GetString()}/review",
                new { decision = "confirm" })).IsSuccessStatusCode);
        var calibration = await (await c.GetAsync($"api/lines/{line}/calibration")).ReadJson();
        Assert.Equal(JsonValueKind.Null, calibration.GetProperty("defectScores").ValueKind);

        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Operator, output);
        await page.SetViewportSizeAsync(1500, 1000);
        await DashboardSession.OpenLineAsync(page, line);
        var hist = page.GetByTestId("score-histogram");
        await Assertions.Expect(hist).ToHaveAttributeAsync("data-inspections", answers.Count.ToString());
        await Assertions.Expect(hist).ToHaveAttributeAsync("data-synthetic", synthetic.Length.ToString());
        await Assertions.Expect(hist).ToHaveAttributeAsync("data-out-of-fold", GatewayFixture.TrainImages.ToString());
        await Assertions.Expect(hist.Locator("canvas")).ToBeVisibleAsync();
        await Assertions.Expect(hist.Locator(".u-legend")).ToContainTextAsync("synthetic defects");
        var timeline = page.GetByTestId("score-timeline");
        await Assertions.Expect(timeline).ToHaveAttributeAsync("data-inspections", answers.Count.ToString());
        await Assertions.Expect(timeline.Locator("canvas")).ToBeVisibleAsync();
        await Assertions.Expect(timeline.Locator(".u-legend")).ToContainTextAsync("reject rate");

        // The slider predicts the escape rate from the synthetic defects at the threshold in use, per kind too.
        var esc = page.GetByTestId("escape-rate");
        await Assertions.Expect(esc).ToHaveAttributeAsync("data-source", "synthetic");
        await Assertions.Expect(esc).ToContainTextAsync("predicted (synthetic");
        Assert.Equal(synthetic.Count(s => s < threshold) / (double)synthetic.Length,
            Read(await esc.GetAttributeAsync("data-rate")), 12);
        await Assertions.Expect(page.GetByTestId("escape-by-kind").Locator("li")).ToHaveCountAsync(6);
        // The false-reject readout carries the Clopper-Pearson interval the server computes for the same count.
        var goods = record.GetProperty("outOfFoldScores").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        int k = goods.Count(s => s >= threshold);
        var (lower, upper) =
            BinomialBounds.ClopperPearson(k, goods.Length, record.GetProperty("intervalCoverage").GetDouble());
        var frr = page.GetByTestId("false-reject-rate");
        Assert.Equal(lower, Read(await frr.GetAttributeAsync("data-lower")), 9);
        Assert.Equal(upper, Read(await frr.GetAttributeAsync("data-upper")), 9);
        // A lower slider position predicts fewer escapes, never more.
        await page.GetByTestId("threshold-slider").FillAsync("0");
        var low = Read(await page.GetByTestId("threshold-value").GetAttributeAsync("data-value"));
        Assert.Equal(synthetic.Count(s => s < low) / (double)synthetic.Length,
            Read(await esc.GetAttributeAsync("data-rate")), 12);
        await page.GetByTestId("threshold-slider").FillAsync(
            (await page.GetByTestId("threshold-slider").GetAttributeAsync("value"))!);
        await Screenshots.SaveAsync(page, "20-line-score-plots", output);
    }

    [Fact]
    public async Task A_run_of_shifted_scores_raises_the_drift_banner()
    {
        var line = await WiderVersions.NewLineAsync(Gateway, "drift");
        using var c = Gateway.Client(Operator);
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Operator, output);
        await page.SetViewportSizeAsync(1500, 1000);
        await DashboardSession.OpenLineAsync(page, line);
        var banner = page.GetByTestId("drift-banner");
        await Assertions.Expect(banner).ToHaveAttributeAsync("data-drifting", "false");
        await Assertions.Expect(banner).ToBeHiddenAsync();

        var reference = (await (await c.GetAsync($"api/lines/{line}/drift")).ReadJson()).GetProperty("referenceScore")
            .GetDouble();
        var n = await Inspections.ShiftedRunAsync(Gateway, c, Gateway.Client(Engineer), line,
            reference);
        await page.ReloadAsync();
        await page.GetByTestId("version-row").First.WaitForAsync();
        await Assertions.Expect(banner).ToBeVisibleAsync();
        await Assertions.Expect(banner).ToHaveAttributeAsync("data-drifting", "true");
        await Assertions.Expect(banner).ToContainTextAsync($"{n} of the last {n} passing parts");
        await Assertions.Expect(page.GetByTestId("score-histogram"))
            .ToHaveAttributeAsync("data-inspections", n.ToString());
        await Screenshots.SaveAsync(page, "21-line-drift-banner", output);
    }

    private static double Read(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);
}
