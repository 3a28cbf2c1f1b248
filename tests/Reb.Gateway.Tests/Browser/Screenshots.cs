using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// Full-page screenshots kept as test output: &lt;test output folder&gt;/screenshots/&lt;name&gt;.png
/// (e.g. tests/Reb.Gateway.Tests/bin/Debug/net10.0/screenshots/), overwritten on every run.
/// </summary>
public static class Screenshots
{
    /// <summary>The folder the screenshots go to.</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Saves a full-page screenshot of <paramref name="page"/> and returns its path.</summary>
    public static async Task<string> SaveAsync(IPage page, string name, ITestOutputHelper? output = null)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output?.WriteLine($"screenshot: {path}");
        Assert.True(new FileInfo(path).Length > 1000, $"screenshot {path} is (nearly) empty");
        return path;
    }
}
