using Microsoft.Playwright;
using Reb.Gateway.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// The review loop in the dashboard, in headless chromium: an image is rejected, an operator overturns the
/// verdict in the review queue, an engineer adds it to the bank (a new version, not promoted), compares the new
/// version with the current one on the reviewed image, promotes it, and the same image is then accepted.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ReviewLoopBrowserTests(GatewayFixture gateway, ChromiumBrowser chromium, ITestOutputHelper output)
    : BrowserTest(gateway)
{
    [Fact]
    public async Task Reject_overturn_add_to_bank_compare_promote_then_the_same_image_is_accepted()
    {
        var line = "review-" + Guid.NewGuid().ToString("N")[..6];
        await Gateway.AddLineAsync(GatewayFixture.SiteA, line);
        var image = await RejectedImageAsync(line);

        // Operator: inspect on the line page, the reject appears in the review queue, overturn it.
        var op = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Operator, output);
        await DashboardSession.OpenLineAsync(op, line);
        var inspect = op.GetByTestId("inspect-result");
        await op.Locator("[data-testid=inspect-file]").Last.SetInputFilesAsync(image);
        await Assertions.Expect(inspect.GetByTestId("verdict")).ToHaveTextAsync("REJECT");
        var id = await inspect.GetAttributeAsync("data-id");
        var queued = op.Locator($"[data-testid=review-row][data-id='{id}']");
        await queued.WaitForAsync();
        // operators review; engineers change the bank
        Assert.Equal(0, await op.GetByTestId("add-to-bank").CountAsync());
        await queued.GetByTestId("review-overturn").ClickAsync();
        await op.Locator($"[data-testid=reviewed-row][data-id='{id}'][data-review=overturned]").WaitForAsync();
        await Assertions.Expect(op.GetByTestId("measured-frr")).ToHaveTextAsync("100.0 %");
        await Screenshots.SaveAsync(op, "10-review-overturned", output);

        // Engineer: add the overturned reject to the bank; the new version is registered, not current.
        var eng = await DashboardSession.SignedInAsync(chromium, Gateway.BaseUrl, Engineer, output);
        await DashboardSession.OpenLineAsync(eng, line);
        var before = await eng.GetByTestId("line-version").GetAttributeAsync("data-full");
        await eng.Locator($"[data-testid=reviewed-row][data-id='{id}']").GetByTestId("add-to-bank").ClickAsync();
        var notice = eng.GetByTestId("review-notice");
        await Assertions.Expect(notice).ToContainTextAsync("New version", new() { Timeout = 180_000 });
        var version = await notice.GetAttributeAsync("data-version");
        Assert.False(string.IsNullOrEmpty(version));
        await Assertions.Expect(eng.GetByTestId("line-version")).ToHaveAttributeAsync("data-full", before!);
        await eng.Locator($"[data-testid=reviewed-row][data-id='{id}'] [data-testid=banked]").WaitForAsync();

        // Compare on the reviewed image: the current version rejects the good part, the new one does not.
        var row = eng.Locator($"[data-testid=version-row][data-version='{version}']");
        await row.GetByTestId("compare").ClickAsync();
        await Assertions.Expect(eng.GetByTestId("compare-current-frr"))
            .ToHaveAttributeAsync("data-rate", "1", new() { Timeout = 120_000 });
        await Assertions.Expect(eng.GetByTestId("compare-candidate-frr")).ToHaveAttributeAsync("data-rate", "0");
        await Screenshots.SaveAsync(eng, "11-review-compare", output);

        // A person promotes it; the same image is then accepted by the new version.
        await row.GetByTestId("promote").ClickAsync();
        await Assertions.Expect(eng.GetByTestId("line-version")).ToHaveAttributeAsync("data-full", version!);
        await eng.Locator("[data-testid=inspect-file]").Last.SetInputFilesAsync(image);
        await Assertions.Expect(eng.GetByTestId("inspect-result").GetByTestId("verdict"))
            .ToHaveTextAsync("GOOD", new() { Timeout = 120_000 });
        await Screenshots.SaveAsync(eng, "12-review-accepted-after-promote", output);
    }

    /// <summary>
    /// A defect image and a threshold override for <paramref name="line"/> that rejects it (the fixture's small model
    /// accepts the sample images at its own threshold): half the image's score, measured on a line of its own so the
    /// review queue of <paramref name="line"/> holds only the browser's inspection.
    /// </summary>
    private async Task<string> RejectedImageAsync(string line)
    {
        var probe = "review-probe-" + Guid.NewGuid().ToString("N")[..6];
        await Gateway.AddLineAsync(GatewayFixture.SiteA, probe);
        using var c = Gateway.Client(Engineer);
        var path = Gateway.DefectImages[0];
        var r = await (await c.PostAsync($"api/lines/{probe}/inspect", Http.Image(await File.ReadAllBytesAsync(path))))
            .ReadJson();
        var score = r.GetProperty("score").GetDouble();
        Assert.True(score > 0, $"the defect image scores {score}");
        var set = await c.PutAsync($"api/lines/{line}/threshold",
            System.Net.Http.Json.JsonContent.Create(new { threshold = score / 2 }));
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        return path;
    }
}
