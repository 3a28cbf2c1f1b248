using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Reb.Gateway.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// The operator dashboard end to end in headless chromium against a real silo + gateway: sign-in, inspecting an image,
/// promoting a version, the threshold slider's readout, what an operator may not see, and live training progress.
/// Each test saves a screenshot (see <see cref="Screenshots.Folder"/>).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardFlowTests(GatewayFixture gateway, ChromiumBrowser chromium, ITestOutputHelper output)
    : BrowserTest(gateway)
{
    [Theory]
    [InlineData("/dashboard/")]
    [InlineData("/dashboard")]
    public async Task The_contract_address_serves_the_dashboard(string address)
    {
        var page = await chromium.NewPageAsync(Gateway.BaseUrl, owner: output);
        var response = await page.GotoAsync(address);
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.GetByTestId("api-key")).ToBeVisibleAsync();
        Assert.EndsWith("/dashboard/", page.Url); // relative module URLs (app.js, ...) resolve under /dashboard/
    }

    [Fact]
    public async Task Sign_in_checks_the_key_shows_site_and_role_and_sign_out_forgets_it()
    {
        var page = await DashboardSession.OpenAsync(chromium, Gateway.BaseUrl, output);
        await Screenshots.SaveAsync(page, "01-sign-in", output);

        await page.GetByTestId("api-key").FillAsync("reb_nosuchkey_000000");
        await page.GetByTestId("sign-in-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#sign-in-error [role=alert]")).ToContainTextAsync("not accepted");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('reb.apiKey')"));

        await DashboardSession.SignInAsync(page, Engineer);
        await Assertions.Expect(page.GetByTestId("who-site")).ToContainTextAsync(GatewayFixture.SiteA);
        await Assertions.Expect(page.GetByTestId("who-role")).ToHaveTextAsync("engineer");
        Assert.Equal(Engineer, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('reb.apiKey')"));
        // The overview lists this site's lines only.
        await Assertions.Expect(page.Locator($"[data-testid=line-card][data-line='{GatewayFixture.Line}']"))
            .ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"[data-testid=line-card][data-line='{GatewayFixture.ScratchLine}']"))
            .ToBeVisibleAsync();
        Assert.Equal(0,
            await page.Locator($"[data-testid=line-card][data-line='{GatewayFixture.OtherSiteLine}']").CountAsync());
        // Another site's line, reached by URL, is "not known" (the API answers 404, not 403).
        await page.EvaluateAsync("line => { location.hash = '#/line/' + line; }", GatewayFixture.OtherSiteLine);
        await Assertions.Expect(page.GetByTestId("line-notice"))
            .ToContainTextAsync($"is not known at site {GatewayFixture.SiteA}");
        // The key survives a reload of the tab (sessionStorage) and signs in again by itself.
        await page.EvaluateAsync("() => { location.hash = '#/'; }");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("who-role")).ToHaveTextAsync("engineer");

        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page.GetByTestId("api-key")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('reb.apiKey')"));
        Assert.Equal(0, await page.GetByTestId("line-card").CountAsync());
    }

    [Fact]
    public async Task Inspecting_an_image_shows_its_verdict_heatmap_and_a_new_live_thumbnail()
    {
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Operator, output);
        var card = page.Locator($"[data-testid=line-card][data-line='{GatewayFixture.Line}']");
        await card.GetByTestId("card-version").WaitForAsync();
        var image = Gateway.DefectImages[0];

        await card.GetByTestId("inspect-file").SetInputFilesAsync(image);
        var result = card.GetByTestId("inspect-result");
        await result.GetByTestId("verdict").WaitForAsync();
        var id = await result.GetAttributeAsync("data-id");
        Assert.False(string.IsNullOrEmpty(id), "the inspect result carries the inspection id");

        // What the page shows is what the API recorded for that inspection.
        using var client = Gateway.Client(Operator);
        var latest = await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.Line}/inspections?take=20");
        var recorded = latest.EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        var verdict = recorded.GetProperty("verdict").GetString();
        Assert.Equal(Path.GetFileName(image), recorded.GetProperty("name").GetString());
        await Assertions.Expect(result.GetByTestId("verdict")).ToHaveTextAsync(verdict == "good" ? "GOOD" : "REJECT");
        await Assertions.Expect(result.GetByTestId("verdict"))
            .ToHaveClassAsync(verdict == "good" ? "verdict verdict-good" : "verdict verdict-reject");
        await WaitForLoadedImageAsync(result.GetByTestId("inspect-overlay"));

        // The 2 s poll brings the inspection into the card's latest verdicts, with its heatmap thumbnail.
        var thumb = card.Locator($"[data-testid=recent-inspection][data-id='{id}']");
        await thumb.WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal(verdict, await thumb.GetAttributeAsync("data-verdict"));
        await Assertions.Expect(thumb).ToHaveClassAsync(verdict == "good" ? "thumb thumb-good" : "thumb thumb-reject");
        await WaitForLoadedImageAsync(thumb.Locator("img"));
        await Screenshots.SaveAsync(page, "02-overview-after-inspect", output);
    }

    [Fact]
    public async Task Engineer_promotes_the_other_version_and_the_audit_log_records_it()
    {
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Engineer, output);
        await DashboardSession.OpenLineAsync(page, GatewayFixture.ScratchLine);
        Assert.Equal(2, await page.GetByTestId("version-row").CountAsync());
        var other = page.Locator("[data-testid=version-row]:not(.current)");
        var target = await other.GetAttributeAsync("data-version");
        Assert.NotNull(target);

        await other.GetByTestId("promote").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=version-row][data-version='{target}']"))
            .ToHaveClassAsync("current");
        await Assertions.Expect(page.GetByTestId("line-version")).ToHaveAttributeAsync("data-full", target!);
        await Assertions.Expect(page.GetByTestId("audit-row").First).ToContainTextAsync("promote");

        using var client = Gateway.Client(Engineer);
        var detail = await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.ScratchLine}");
        Assert.Equal(target, detail.GetProperty("currentVersion").GetString());
        // there is now a version to go back to
        await Assertions.Expect(page.GetByTestId("rollback")).ToBeEnabledAsync();
        await Screenshots.SaveAsync(page, "03-line-engineer-after-promote", output);
    }

    [Fact]
    public async Task Threshold_slider_readout_follows_the_slider_and_matches_the_rates_computed_in_CSharp()
    {
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Engineer, output);
        await DashboardSession.OpenLineAsync(page, GatewayFixture.Line);
        using var client = Gateway.Client(Engineer);
        var calibration = await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.Line}/calibration");
        var good = calibration.GetProperty("goodScores").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        var defects = calibration.GetProperty("defectScores") is { ValueKind: JsonValueKind.Array } d
            ? d.EnumerateArray().Select(s => s.GetDouble()).ToArray() : null;
        Assert.NotEmpty(good);
        output.WriteLine($"calibration: {good.Length} good scores, {defects?.Length.ToString() ?? "no"} defect scores");

        // Before the slider moves, the readout is for the exact threshold in use.
        var inUse = (await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.Line}"))
            .GetProperty("threshold").GetDouble();
        Assert.Equal(inUse, ReadDouble(await page.GetByTestId("threshold-value").GetAttributeAsync("data-value")));
        Assert.Equal(ExpectedRates.FalseReject(good, inUse)!.Value,
            ReadDouble(await page.GetByTestId("false-reject-rate").GetAttributeAsync("data-rate")), 12);
        await Assertions.Expect(page.GetByTestId("threshold-value")).ToContainTextAsync("(in use)");

        var slider = page.GetByTestId("threshold-slider");
        var seen = new List<double>();
        foreach (var position in new[] { 0, 200, 450, 500, 550, 800, 1000 })
        {
            await slider.FillAsync(position.ToString());
            var threshold = double.Parse((await page.GetByTestId("threshold-value").GetAttributeAsync("data-value"))!,
                System.Globalization.CultureInfo.InvariantCulture);
            var shownRate = await page.GetByTestId("false-reject-rate").GetAttributeAsync("data-rate");
            var expected = ExpectedRates.FalseReject(good, threshold)!.Value;
            Assert.Equal(expected, double.Parse(shownRate!, System.Globalization.CultureInfo.InvariantCulture), 12);
            await Assertions.Expect(page.GetByTestId("false-reject-rate"))
                .ToContainTextAsync($"{(int)Math.Round(expected * good.Length)} of {good.Length} good images");
            if (defects is { Length: > 0 })
                Assert.Equal(ExpectedRates.Escape(defects, threshold)!.Value,
                    double.Parse((await page.GetByTestId("escape-rate").GetAttributeAsync("data-rate"))!,
                        System.Globalization.CultureInfo.InvariantCulture), 12);
            else
                await Assertions.Expect(page.GetByTestId("escape-rate"))
                    .ToHaveTextAsync("unknown — no reviewed defects and no synthetic defect scores");
            seen.Add(expected);
        }
        // The slider spans every calibration score, so its ends reject all / none of the good images.
        Assert.Equal(1.0, seen[0]);
        Assert.Equal(0.0, seen[^1]);

        // Keyboard steps move the readout too (the input event, not only programmatic fills).
        await slider.FillAsync("0");
        var before = await page.GetByTestId("threshold-value").TextContentAsync();
        await slider.FocusAsync();
        for (int i = 0; i < 50; i++) await page.Keyboard.PressAsync("ArrowRight");
        Assert.NotEqual(before, await page.GetByTestId("threshold-value").TextContentAsync());
        await Screenshots.SaveAsync(page, "04-line-threshold-slider", output);
    }

    [Fact]
    public async Task Engineer_applies_the_slider_threshold_and_can_go_back_to_the_model_threshold()
    {
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Engineer, output);
        await DashboardSession.OpenLineAsync(page, GatewayFixture.ScratchLine);
        await page.GetByTestId("threshold-slider").FillAsync("300");
        var candidate = double.Parse((await page.GetByTestId("threshold-value").GetAttributeAsync("data-value"))!,
            System.Globalization.CultureInfo.InvariantCulture);

        await page.GetByTestId("apply-threshold").ClickAsync();
        await Assertions.Expect(page.GetByTestId("reset-threshold")).ToBeEnabledAsync();
        using var client = Gateway.Client(Engineer);
        var detail = await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.ScratchLine}");
        Assert.Equal(candidate, detail.GetProperty("thresholdOverride").GetDouble(), 9);
        Assert.Equal(candidate, detail.GetProperty("threshold").GetDouble(), 9);
        await Assertions.Expect(page.GetByTestId("audit-row").First).ToContainTextAsync("threshold");

        await page.GetByTestId("reset-threshold").ClickAsync();
        await Assertions.Expect(page.GetByTestId("line-override")).ToHaveTextAsync("none");
        detail = await client.GetFromJsonAsync<JsonElement>($"api/lines/{GatewayFixture.ScratchLine}");
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("thresholdOverride").ValueKind);
    }

    [Fact]
    public async Task Operator_sees_no_promote_rollback_or_apply_threshold_controls()
    {
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Operator, output);
        await Assertions.Expect(page.GetByTestId("who-role")).ToHaveTextAsync("operator");
        await DashboardSession.OpenLineAsync(page, GatewayFixture.Line);
        await page.GetByTestId("threshold-slider").WaitForAsync(); // the page is fully rendered
        Assert.Equal(2, await page.GetByTestId("version-row").CountAsync());
        Assert.Equal(0, await page.GetByTestId("promote").CountAsync());
        Assert.Equal(0, await page.GetByTestId("rollback").CountAsync());
        Assert.Equal(0, await page.GetByTestId("apply-threshold").CountAsync());
        Assert.Equal(0, await page.GetByTestId("reset-threshold").CountAsync());
        await Assertions.Expect(page.GetByTestId("operator-note")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "05-line-operator", output);

        await page.EvaluateAsync("() => { location.hash = '#/training'; }");
        await Assertions.Expect(page.GetByTestId("operator-note")).ToContainTextAsync("engineer key");
        Assert.Equal(0, await page.GetByTestId("training-start").CountAsync());
    }

    [Fact]
    public async Task Training_view_starts_a_job_from_uploaded_images_and_streams_its_progress_to_completion()
    {
        const string line = "pcb-dashboard-trained";
        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Engineer, output);
        await page.EvaluateAsync("() => { location.hash = '#/training'; }");
        await page.GetByTestId("training-line").FillAsync(line);
        await page.GetByTestId("training-files").SetInputFilesAsync(Gateway.TrainingImages);
        await Screenshots.SaveAsync(page, "06-training-form", output);
        await page.GetByTestId("training-start").ClickAsync();

        // The upload and job start take seconds on a busy 2-core CI machine; the hash changes once the API answered.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("#/training/[^/]+$"),
            new() { Timeout = 90_000, WaitUntil = WaitUntilState.Commit });
        // Progress arrives over the fetch-read event stream; the job ends Completed with a new version.
        await Assertions.Expect(page.GetByTestId("training-stage"))
            .ToHaveTextAsync("Completed", new() { Timeout = 180_000 });
        var version = await page.GetByTestId("training-version").GetAttributeAsync("data-version");
        Assert.False(string.IsNullOrWhiteSpace(version));
        Assert.Equal(0, await page.GetByTestId("training-cancel").CountAsync()); // nothing left to cancel
        Assert.DoesNotContain("live stream unavailable",
            await page.GetByTestId("training-progress").TextContentAsync());
        await Screenshots.SaveAsync(page, "07-training-completed", output);

        using var client = Gateway.Client(Engineer);
        var versions = await client.GetFromJsonAsync<JsonElement>($"api/lines/{line}/versions");
        Assert.Contains(versions.EnumerateArray(), v => v.GetProperty("version").GetString() == version);
    }

    private static double ReadDouble(string? text) =>
        double.Parse(text ?? throw new InvalidOperationException("attribute missing"),
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits until an &lt;img&gt; has really decoded a picture (its blob URL fetched with the key).</summary>
    private static async Task WaitForLoadedImageAsync(ILocator img)
    {
        await img.WaitForAsync();
        await img.EvaluateAsync("img => img.complete && img.naturalWidth > 0 ? true : new Promise((ok, fail) => { " +
            "img.onload = () => ok(true); img.onerror = () => fail(new Error('image failed: ' + img.src)); })");
        Assert.True(await img.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the heatmap image did not load");
        Assert.StartsWith("blob:", await img.GetAttributeAsync("src"));
    }
}
