using System.Text.Json;
using Microsoft.Playwright;
using Reb.Abstractions.Grains;
using Reb.Core.Calibration;
using Reb.Gateway.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// A young line says so: a version fitted on four good images cannot certify its false-reject target, so the API's
/// line shape carries the warning sentence with the rule and both predicted rates, and the dashboard's line page shows
/// it as a banner, in headless chromium, until a version without a warning is current.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class CalibrationWarningBrowserTests(GatewayFixture gateway, ChromiumBrowser chromium,
    ITestOutputHelper output) : BrowserTest(gateway)
{
    [Fact]
    public async Task A_young_lines_warning_is_in_the_api_and_on_the_line_page_until_a_version_without_one_is_current()
    {
        var young = await YoungVersions.PublishAsync(Gateway);
        var line = "young-" + Guid.NewGuid().ToString("N")[..6];
        await Gateway.Grains.GetGrain<ILineOperationsGrain>(line).Claim(GatewayFixture.SiteA);
        var grain = Gateway.Grains.GetGrain<IProductLineGrain>(line);
        await grain.RegisterVersion(Gateway.Version);            // the fixture's legacy-rule version: no warning
        await grain.RegisterVersion(young, promote: true);

        using var c = Gateway.Client(Engineer);
        var detail = JsonDocument.Parse(await c.GetStringAsync($"api/lines/{line}")).RootElement;
        var warning = detail.GetProperty("warning").GetString();
        Assert.StartsWith("this line needs more good images or reviewed parts: ", warning);
        Assert.Contains("4 good images cannot certify the 1 % false-reject target", warning);
        var metrics = detail.GetProperty("currentMetrics");
        Assert.Equal(ThresholdRule.Cost, metrics.GetProperty("thresholdRule").GetString());
        Assert.InRange(metrics.GetProperty("predictedFalseRejectRate").GetDouble(), 0, 1);
        Assert.InRange(metrics.GetProperty("predictedEscapeRate").GetDouble(), 0, 1);

        var page = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Gateway.Key(GatewayFixture.SiteA,
            "operator"), output);
        await DashboardSession.OpenLineAsync(page, line);
        var banner = page.GetByTestId("line-warning");
        await Assertions.Expect(banner).ToBeVisibleAsync();
        await Assertions.Expect(banner).ToContainTextAsync(warning!);
        await Assertions.Expect(banner).ToContainTextAsync("predicted escapes");
        await Screenshots.SaveAsync(page, "13-line-young-warning", output);

        // A version without a warning becomes current: the banner goes.
        var promoted = await c.PostAsync($"api/lines/{line}/promote",
            System.Net.Http.Json.JsonContent.Create(new { version = Gateway.Version }));
        Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null,
            JsonDocument.Parse(await c.GetStringAsync($"api/lines/{line}")).RootElement.GetProperty("warning")
            .ValueKind);
        await page.ReloadAsync();
        await page.GetByTestId("version-row").First.WaitForAsync();
        await Assertions.Expect(page.GetByTestId("line-version")).ToHaveAttributeAsync("data-full", Gateway.Version);
        await Assertions.Expect(banner).ToBeHiddenAsync();
    }
}
