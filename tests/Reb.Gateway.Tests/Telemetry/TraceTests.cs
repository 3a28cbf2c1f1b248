using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>
/// One trace spans the HTTP request and the grain calls it makes (activity propagation on the silo). Spans are
/// collected by a tracer provider of this test with the in-memory exporter: activity listeners are process-wide, so
/// it sees the fixture's spans the same way the silo's OTLP exporter would.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TraceTests(GatewayFixture gateway)
{
    [Fact]
    public async Task An_inspect_request_and_its_scoring_grain_call_share_one_trace()
    {
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder()
                   .AddAspNetCoreInstrumentation()
                   .AddSource("Microsoft.Orleans.*")
                   .AddInMemoryExporter(spans)
                   .Build())
        {
            using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
            using var r = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name=traced.png",
                Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[1])));
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        } // disposing the provider flushes the exporter

        Activity[] snapshot;
        lock (spans) snapshot = spans.ToArray();
        // Tests of this collection run one at a time: the only inspect request while the provider lived is ours.
        var request = Assert.Single(snapshot, a => a.Kind == ActivityKind.Server &&
            a.GetTagItem("http.route") as string == "/api/lines/{line}/inspect");
        var sameTrace = snapshot.Where(a => a.TraceId == request.TraceId && a != request).ToList();
        var names = string.Join(", ", snapshot.Select(a => $"{a.Source.Name}:{a.DisplayName}"));
        Assert.True(sameTrace.Any(a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && a.DisplayName.Contains("IScoringGrain")),
            $"no scoring grain span in the request's trace; spans: {names}");
        Assert.All(sameTrace, a => Assert.True(a.StartTimeUtc >= request.StartTimeUtc, $"{a.DisplayName} starts before its request"));
    }
}
