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
    private static bool IsInspectRequest(Activity a) =>
        a.Kind == ActivityKind.Server && a.GetTagItem("http.route") as string == "/api/lines/{line}/inspect";

    private static bool HasServerSpan(List<Activity> spans)
    {
        lock (spans) return spans.Any(IsInspectRequest);
    }

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
            // The server span stops a moment after the client has the response: wait for it before the provider goes.
            for (int i = 0; i < 100 && !HasServerSpan(spans); i++) await Task.Delay(50);
        }

        Activity[] snapshot;
        lock (spans) snapshot = spans.ToArray();
        var names = string.Join(", ", snapshot.Select(a => $"{a.Source.Name}:{a.Kind}:{a.DisplayName}:{a.TraceId}[" +
            $"{string.Join(";", a.Tags.Select(t => t.Key + "=" + t.Value))}]"));
        // Tests of this collection run one at a time: the only inspect request while the provider lived is ours.
        var requests = snapshot.Where(IsInspectRequest).ToList();
        Assert.True(requests.Count == 1, names);
        var request = requests[0];
        var sameTrace = snapshot.Where(a => a.TraceId == request.TraceId && a != request).ToList();
        Assert.True(sameTrace.Any(a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
            && a.DisplayName.Contains("IScoringGrain")),
            $"no scoring grain span in the request's trace; spans: {names}");
        Assert.All(sameTrace,
            a => Assert.True(a.StartTimeUtc >= request.StartTimeUtc, $"{a.DisplayName} starts before its request"));
    }
}
