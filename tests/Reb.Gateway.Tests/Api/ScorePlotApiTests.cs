using System.Net.Http.Json;
using System.Text.Json;
using Reb.Core.Calibration;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.Telemetry;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// The score plots' data and the drift test through the HTTP API, on real inspections of the fixture's sample images:
/// the histogram and the timeline count every inspection where its score and verdict put it, and a run of high-scoring
/// passing parts turns the drift test, its gauge and the shipped alert rule's metric on.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ScorePlotApiTests(GatewayFixture gateway)
{
    private HttpClient Operator => gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
    private HttpClient Engineer => gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));

    [Fact]
    public async Task The_histogram_and_the_timeline_count_every_inspection_by_score_verdict_and_review()
    {
        var line = "plots-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var c = Operator;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        // The threshold between the good and the defect images' scores: both verdicts occur.
        var answers = new List<JsonElement>();
        foreach (var path in gateway.GoodImages.Concat(gateway.DefectImages))
            answers.Add(await Inspections.InspectAsync(c, line, Path.GetFileName(path),
                await File.ReadAllBytesAsync(path)));
        var scores = answers.Select(a => a.GetProperty("score").GetDouble()).ToArray();
        var threshold = Median(scores);
        using (var e = Engineer)
            Assert.True((await e.PutAsJsonAsync($"api/lines/{line}/threshold", new { threshold })).IsSuccessStatusCode);
        foreach (var path in gateway.GoodImages.Concat(gateway.DefectImages))
            answers.Add(await Inspections.InspectAsync(c, line, Path.GetFileName(path),
                await File.ReadAllBytesAsync(path)));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);
        // One part reviewed: the first reject confirmed (a confirmed defect).
        var reject = answers.First(a => a.GetProperty("verdict").GetString() == "reject");
        Assert.True(
            (await c.PostAsJsonAsync($"api/lines/{line}/inspections/{reject.GetProperty("id").GetString()}/review",
            new { decision = "confirm" })).IsSuccessStatusCode);

        var hist = await (await c.GetAsync($"api/lines/{line}/scores/histogram?bins=12")).ReadJson();
        Assert.Equal(threshold, hist.GetProperty("threshold").GetDouble());
        var edges = Ints(hist, "edges", d => d.GetDouble());
        Assert.Equal(13, edges.Length);
        int Sum(string name) => Ints(hist, name, d => d.GetInt32()).Sum();
        Assert.Equal(answers.Count, hist.GetProperty("inspections").GetInt32());
        Assert.Equal(answers.Count, Sum("good") + Sum("reject") + Sum("reviewedGood") + Sum("confirmedDefect"));
        int rejects = answers.Count(a => a.GetProperty("verdict").GetString() == "reject");
        Assert.True(rejects > 0 && rejects < answers.Count, $"{rejects} rejects of {answers.Count}");
        Assert.Equal(rejects - 1, Sum("reject"));
        Assert.Equal(1, Sum("confirmedDefect"));
        Assert.Equal(0, Sum("reviewedGood"));
        var calibration = await (await c.GetAsync($"api/lines/{line}/calibration")).ReadJson();
        Assert.Equal(calibration.GetProperty("goodScores").GetArrayLength(), Sum("outOfFold"));
        Assert.Equal(0, Sum("syntheticDefect")); // the fixture's version uses the legacy rule: no synthetic defects
        // Each bin holds exactly the stored scores between its edges.
        var stored = (await (await c.GetAsync($"api/lines/{line}/inspections?take=1000")).ReadJson()).EnumerateArray()
            .Select(r => r.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(answers.Count, stored.Length);
        var own = Ints(hist, "good", d => d.GetInt32()).Zip(Ints(hist, "reject", d => d.GetInt32()), (a, b) => a + b)
            .Zip(Ints(hist, "confirmedDefect", d => d.GetInt32()), (a, b) => a + b).ToArray();
        for (int b = 0; b < own.Length; b++)
            Assert.Equal(stored.Count(v => v >= edges[b] && v < edges[b + 1]), own[b]);

        var timeline = await (
            await c.GetAsync($"api/lines/{line}/scores/timeline?from={Uri.EscapeDataString(before.ToString("O"))}" +
            $"&to={Uri.EscapeDataString(after.ToString("O"))}&buckets=4")).ReadJson();
        var buckets = timeline.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(answers.Count, timeline.GetProperty("inspections").GetInt32());
        Assert.Equal(answers.Count, buckets.Sum(b => b.GetProperty("inspections").GetInt32()));
        Assert.Equal(rejects, buckets.Sum(b => b.GetProperty("rejects").GetInt32()));
        var all = stored;
        Assert.Equal(all.Max(),
            buckets.Where(b => b.GetProperty("inspections").GetInt32() > 0).Max(b => b.GetProperty("max").GetDouble()));
        foreach (var b in buckets.Where(b => b.GetProperty("inspections").GetInt32() > 0))
            Assert.InRange(b.GetProperty("p50").GetDouble(), all.Min() - 1e-6, b.GetProperty("p99").GetDouble() + 1e-9);

        // Without 'from' the timeline starts at the minute of the first inspection, not 24 h back: a young line's few
        // minutes spread over the buckets.
        var recent = await (await c.GetAsync($"api/lines/{line}/scores/timeline?buckets=10")).ReadJson();
        Assert.Equal(answers.Count, recent.GetProperty("inspections").GetInt32());
        Assert.InRange(recent.GetProperty("from").GetDateTimeOffset(), before.AddMinutes(-1), before.AddSeconds(1));

        Assert.Contains("bins",
            await (await c.GetAsync($"api/lines/{line}/scores/histogram?bins=0")).AssertProblem(400));
        Assert.Contains("not registered",
            await (await c.GetAsync($"api/lines/{line}/scores/histogram?version=sha256-00")).AssertProblem(404));
        Assert.Contains("ISO 8601",
            await (await c.GetAsync($"api/lines/{line}/scores/timeline?from=yesterday")).AssertProblem(400));
        using var b2 = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Operator));
        await (await b2.GetAsync($"api/lines/{line}/scores/histogram")).AssertProblem(404); // another site's line
    }

    [Fact]
    public async Task A_legacy_version_has_no_calibration_record_and_an_unknown_version_is_not_found()
    {
        using var c = Operator;
        var legacy = await c.GetAsync($"api/lines/{GatewayFixture.Line}/versions/{gateway.Version}/calibration");
        Assert.Contains("no calibration record", await legacy.AssertProblem(404));
        var unknown = await c.GetAsync($"api/lines/{GatewayFixture.Line}/versions/sha256-0123/calibration");
        Assert.Contains("not registered", await unknown.AssertProblem(404));
    }

    [Fact]
    public async Task A_run_of_high_scoring_passing_parts_is_drift_in_the_api_the_gauge_and_the_alert_rules_metric()
    {
        var line = await WiderVersions.NewLineAsync(gateway, "drift");
        using var c = Operator;
        var quiet = await (await c.GetAsync($"api/lines/{line}/drift")).ReadJson();
        Assert.True(quiet.GetProperty("testable").GetBoolean());
        Assert.Equal(0, quiet.GetProperty("recent").GetInt32());
        Assert.False(quiet.GetProperty("drifting").GetBoolean());
        var reference = quiet.GetProperty("referenceScore").GetDouble();
        var expected = quiet.GetProperty("expectedShare").GetDouble();

        // Zoomed good images (the camera moved) stand for parts whose scores moved up; a high threshold lets them pass,
        // as a drifting line's parts do for days before they cross the threshold.
        var runs = await Inspections.ShiftedRunAsync(gateway, c, Engineer, line, reference);
        var drift = await (await c.GetAsync($"api/lines/{line}/drift")).ReadJson();
        Assert.Equal(runs, drift.GetProperty("recent").GetInt32());
        Assert.Equal(runs, drift.GetProperty("above").GetInt32());
        Assert.Equal(1 - BinomialBounds.Cdf(runs - 1, runs, expected), drift.GetProperty("pValue").GetDouble(), 12);
        Assert.True(drift.GetProperty("drifting").GetBoolean(), drift.GetProperty("summary").GetString());
        Assert.Contains("drifted up", drift.GetProperty("summary").GetString());

        var text = await Scrape.UntilAsync(gateway,
            t => Scrape.Lines(t, "reb_line_drift_alarm").Any(l => l.Contains($"line=\"{line}\"")),
            $"reb_line_drift_alarm for {line}");
        var alarm = Scrape.Lines(text, "reb_line_drift_alarm").Single(l => l.Contains($"line=\"{line}\""));
        Assert.Equal(1,
            double.Parse(alarm[(alarm.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(Scrape.Lines(text, "reb_line_drift_p_value"), l => l.Contains($"line=\"{line}\""));
        // The shipped alert fires on the gauge this gateway exports.
        var rule = File.ReadAllText(Path.Combine(GatewayFixture.RepositoryRoot(), "k8s/base/prometheus-rules.yaml"));
        Assert.Contains("reb_line_drift_alarm == 1", rule);
    }

    private static T[] Ints<T>(JsonElement e, string name, Func<JsonElement, T> read) =>
        e.GetProperty(name).EnumerateArray().Select(read).ToArray();

    private static double Median(double[] v)
    {
        var s = v.Order().ToArray();
        return (s[(s.Length - 1) / 2] + s[s.Length / 2]) / 2;
    }
}
