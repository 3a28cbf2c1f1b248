using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>Reads /metrics until a condition holds (the exporter caches a scrape for a moment; histograms arrive late).</summary>
public static class Scrape
{
    public static async Task<string> UntilAsync(GatewayFixture gateway, Func<string, bool> done, string what)
    {
        using var anonymous = gateway.Client();
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", GatewayFixture.MetricsToken);
        string text = "";
        for (int attempt = 0; attempt < 240; attempt++) // up to 60 s: CI runs three test assemblies on 2 cores
        {
            using var r = await anonymous.GetAsync("metrics");
            Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
            text = await r.Content.ReadAsStringAsync();
            if (done(text)) return text;
            await Task.Delay(250);
        }
        Assert.Fail($"/metrics never showed {what}; last scrape ({text.Length} chars):\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("reb_")).Take(40))}");
        return text;
    }

    /// <summary>Sample lines (no comments) of metrics whose name starts with <paramref name="prefix"/>.</summary>
    public static IEnumerable<string> Lines(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal));
}
