using Reb.Cli.Commands.Load;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Load;

/// <summary>`reb load`'s logic against the fixture's gateway: a short bounded run, its report and its
/// refusals.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LoadRunnerTests(GatewayFixture gateway)
{
    private LoadSettings Settings(string key, int requests)
        => new(new Uri(gateway.BaseUrl + "/"), key, GatewayFixture.Line,
        Clients: 2, Duration: TimeSpan.FromSeconds(60), MaxRequests: requests, RequestTimeout: TimeSpan.FromSeconds(60),
        MaxRetryAfter: TimeSpan.FromSeconds(1));

    private IReadOnlyList<LoadImage> Images()
        => LoadImage.Read(gateway.GoodImages.Concat(gateway.DefectImages).Take(4));

    [Fact]
    public async Task Two_clients_send_exactly_the_request_budget_and_the_report_counts_them()
    {
        bool fired = false;
        var runner = new LoadRunner(Settings(gateway.Key(GatewayFixture.SiteA, Roles.Operator), 10), Images())
        {
            Event = (TimeSpan.Zero, "mark", () => { fired = true; return Task.CompletedTask; }),
        };
        var report = await runner.RunAsync();

        Assert.Equal(10, report.Requests); // bounded by requests long before the 60 s
        Assert.Equal(10, report.Ok);
        Assert.Equal(0, report.HardErrors + report.Hung + report.Retryable);
        Assert.Equal(10, report.ByStatus["200"]);
        Assert.True(report.ElapsedSeconds < 60);
        Assert.InRange(report.ThroughputPerSecond, 10 / report.ElapsedSeconds * 0.999,
            10 / report.ElapsedSeconds * 1.001);
        Assert.True(report.Latency.P50 > 0 && report.Latency.P50 <= report.Latency.P95
            && report.Latency.P95 <= report.Latency.P99
                    && report.Latency.P99 <= report.Latency.Max);
        Assert.True(fired);
        Assert.NotNull(report.Event);
        Assert.Equal(10, report.Event!.OkBefore + report.Event.OkAfter);

        var json = Path.Combine(gateway.Work, "load-test", "load.json");
        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        report.WriteJson(json);
        var doc = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        Assert.Equal(10, doc.GetProperty("ok").GetInt32());
        Assert.Equal(report.Latency.P95, doc.GetProperty("latency").GetProperty("p95").GetDouble());
    }

    [Fact]
    public async Task An_unknown_key_is_a_hard_error_by_status_not_a_retryable_refusal()
    {
        var report = await new LoadRunner(Settings("reb_nosuchkey_0000000000000000", 4), Images()).RunAsync();
        Assert.Equal(4, report.Requests);
        Assert.Equal(0, report.Ok);
        Assert.Equal(4, report.HardErrors);
        Assert.Equal(4, report.ByStatus["401"]);
    }

    [Theory]
    [InlineData("http://10.1.2.3:8080/")]
    [InlineData("http://example.com/")]
    [InlineData("http://192.168.0.10:8080/")]
    public void Non_loopback_targets_are_refused(string url)
    {
        var s = Settings("k", 1) with { BaseUrl = new Uri(url) };
        var e = Assert.Throws<ArgumentException>(() => s.Validated());
        Assert.Contains("loopback", e.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://[::1]:8080/")]
    public void Loopback_targets_are_accepted(string url) => Assert.True(LoopbackGuard.IsLoopback(new Uri(url)));

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var ms = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();
        var s = LatencySummary.Of(ms);
        Assert.Equal((50, 95, 99, 100), (s.P50, s.P95, s.P99, s.Max));
        Assert.Equal(7, LatencySummary.Of([7]).P99);
    }
}
