using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>Reads /metrics until a condition holds (the exporter caches a scrape for a moment; histograms arrive
/// late).</summary>
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
        // The lines a reader needs to see which part never came: the line under test's series and whether Orleans' are
        // there.
        var relevant = text.Split('\n').Where(l
            => (l.StartsWith("reb_") && l.Contains($"line=\"{GatewayFixture.Line}\"") && !l.Contains("_bucket"))
                                                  || l.StartsWith("reb_scoring_stage_duration_milliseconds_count"))
                                                      .Take(60);
        Assert.Fail($"/metrics never showed {what}; last scrape ({text.Length} chars, " +
            $"{text.Split('\n').Count(l => l.StartsWith("orleans_"))} orleans_ lines):\n{string.Join('\n', relevant)}");
        return text;
    }

    /// <summary>Sample lines (no comments) of metrics whose name starts with <paramref name="prefix"/>.</summary>
    public static IEnumerable<string> Lines(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal));
}
