using Microsoft.Playwright;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// One headless Debian chromium per test collection, driven by Playwright. Playwright's own browser download is never
/// used (no network at test time): the system chromium is launched by path. infra/start-services.sh installs it.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts its launcher; REB_CHROMIUM overrides it (another machine
    /// layout).</summary>
    public static string ExecutablePath
        => Environment.GetEnvironmentVariable("REB_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The launched browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser is not launched yet");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"Chromium is missing at {ExecutablePath}: the browser tests drive the system chromium. Run " +
                "infra/start-services.sh " +
                "(it installs Debian's chromium when missing) or `apt-get install -y chromium`; set REB_CHROMIUM to " +
                "use another path. " +
                "Do not run `playwright install`.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
    }

    private readonly List<(object? Owner, IBrowserContext Context)> _open = [];

    /// <summary>
    /// A fresh context (own sessionStorage) and page; 1400x900 so screenshots show a desktop layout. Pages opened for
    /// another <paramref name="owner"/> (an earlier test: tests of a collection run one at a time) are closed first: an
    /// open overview keeps polling the gateway with its key, and finished tests' pages used up the next test's rate
    /// limit and cores.
    /// </summary>
    public async Task<IPage> NewPageAsync(string? baseUrl = null, object? owner = null)
    {
        foreach (var (o, ctx) in _open.Where(x => x.Owner is null || !ReferenceEquals(x.Owner, owner)).ToList())
        {
            _open.Remove((o, ctx));
            await ctx.CloseAsync();
        }
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = baseUrl,
            ViewportSize = new() { Width = 1400, Height = 900 }
        });
        context.SetDefaultTimeout(30_000); // generous: CI runs three test assemblies at once on 2 cores
        _open.Add((owner, context));
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}
