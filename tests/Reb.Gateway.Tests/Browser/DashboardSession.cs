using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Reb.Gateway.Tests.Browser;

/// <summary>Page-level steps the dashboard tests share: open the dashboard, sign in, go to a page.</summary>
public static class DashboardSession
{
    /// <summary>A new page (own sessionStorage) on the dashboard's sign-in form; browser console errors go to the test
    /// output.</summary>
    public static async Task<IPage> OpenAsync(ChromiumBrowser chromium, string baseUrl, ITestOutputHelper output)
    {
        var page = await chromium.NewPageAsync(baseUrl, owner: output);
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Log(output, $"browser {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => Log(output, $"browser page error: {e}");
        // Which request was refused says which page spends the key's rate limit.
        page.Response += (_, r) => { if (r.Status == 429) Log(output, $"browser 429: {r.Request.Method} {r.Url}"); };
        page.Dialog += async (_, d) => await d.AcceptAsync(); // the confirm() before promote / roll back
        await page.GotoAsync("/dashboard/");
        await page.GetByTestId("api-key").WaitForAsync();
        return page;
    }

    /// <summary>
    /// Writes to the test's output. A page outlives its test (pages are not closed), and a late console message from
    /// it would otherwise throw "no currently active test" into whichever test is running in the browser then.
    /// </summary>
    private static void Log(ITestOutputHelper output, string line)
    {
        try { output.WriteLine(line); }
        catch (InvalidOperationException) { }
    }

    /// <summary>Opens the dashboard and signs in with <paramref name="key"/>; returns once the overview
    /// shows.</summary>
    public static async Task<IPage> SignedInAsync(ChromiumBrowser chromium, string baseUrl, string key,
        ITestOutputHelper output)
    {
        var page = await OpenAsync(chromium, baseUrl, output);
        await SignInAsync(page, key);
        return page;
    }

    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GetByTestId("api-key").FillAsync(key);
        await page.GetByTestId("sign-in-submit").ClickAsync();
        await page.GetByTestId("who-role").WaitForAsync();
    }

    /// <summary>Goes to the line page and waits until its versions table is loaded.</summary>
    public static async Task OpenLineAsync(IPage page, string line)
    {
        await page.EvaluateAsync("line => { location.hash = '#/line/' + encodeURIComponent(line); }", line);
        await page.GetByTestId("version-row").First.WaitForAsync();
    }
}
