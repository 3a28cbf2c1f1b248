using System.Globalization;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>The Prometheus scrape endpoint: the project's meters, Orleans' and the runtime's, after real
/// traffic.</summary>
[Collection(GatewayCollection.Name)]
public sealed class MetricsEndpointTests(GatewayFixture gateway)
{
    private static bool HasBucket(string text, string stage) =>
        Scrape.Lines(text, "reb_scoring_stage_duration").Any(l => l.Contains("_bucket{")
            && l.Contains($"stage=\"{stage}\"") && l.Contains($"line=\"{GatewayFixture.Line}\""));

    private static double InspectionCount(string text) =>
        Scrape.Lines(text, "reb_gateway_inspections_total{").Where(l => l.Contains($"line=\"{GatewayFixture.Line}\""))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    [Fact]
    public async Task An_inspection_shows_up_as_counter_per_line_and_scoring_stage_histograms()
    {
        double before = InspectionCount(await Scrape.UntilAsync(gateway, _ => true, "anything"));
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using (var r = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect",
            Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0]))))
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());

        // Orleans' instruments appear in a scrape once the runtime has recorded into them: waited for like the others.
        var text = await Scrape.UntilAsync(gateway,
            t => InspectionCount(t) >= before + 1 && HasBucket(t, "embed") && HasBucket(t, "search")
                && t.Split('\n').Any(l => l.StartsWith("orleans_", StringComparison.Ordinal))
                && Scrape.Lines(t, "reb_shard_search_requests").Any(l => l.Contains("_bucket{")
                    && l.Contains($"line=\"{GatewayFixture.Line}\"")),
            "the inspection counter, embed/search buckets, the shards' search histogram and Orleans' meters");
        foreach (var stage in new[] { "decode", "embed", "search", "merge", "score" })
            Assert.True(HasBucket(text, stage), $"no histogram buckets for stage {stage}");
        // ASP.NET Core's request histogram of the inspect route carries the line too.
        Assert.Contains(Scrape.Lines(text, "http_server_request_duration"), l => l.Contains("_bucket{") &&
            l.Contains("http_route=\"/api/lines/{line}/inspect\"") && l.Contains($"line=\"{GatewayFixture.Line}\"")
            && l.Contains("http_response_status_code=\"200\""));
        Assert.Contains(Scrape.Lines(text, "reb_gateway_inspection_latency"),
            l => l.Contains($"line=\"{GatewayFixture.Line}\""));
        // Orleans' own meter, ASP.NET Core's and the runtime's are exported as well.
        Assert.Contains(text.Split('\n'), l => l.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("http_server_request_duration", StringComparison.Ordinal));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("dotnet_", StringComparison.Ordinal)
            || l.StartsWith("process_runtime_dotnet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Requests_for_unknown_lines_do_not_become_line_labels()
    {
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        const string madeUp = "no-such-line-telemetry";
        using (var r = await op.GetAsync($"api/lines/{madeUp}"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, r.StatusCode);
        var text = await Scrape.UntilAsync(gateway, t => Scrape.Lines(t, "http_server_request_duration")
            .Any(l => l.Contains("http_response_status_code=\"404\"")),
            "the 404 request");
        Assert.DoesNotContain(madeUp, text);
    }
}
