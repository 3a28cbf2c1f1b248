using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Reb.Gateway.Verdicts;

/// <summary>
/// Instruments of verdict delivery, in the gateway's meter ("Reb.Gateway"), tagged by site and sink ("mqtt",
/// "webhook"): the outbox depth (events and bytes not yet delivered), deliveries, failed attempts and events refused
/// because an outbox was full.
/// </summary>
public static class VerdictTelemetry
{
    private static readonly Meter Meter = new(GatewayTelemetry.MeterName);
    private static readonly ConcurrentDictionary<VerdictOutbox, (string Site, string Sink)> Outboxes = new();

    public static readonly Counter<long> Delivered =
        Meter.CreateCounter<long>("reb.verdicts.delivered", "{event}", "Verdict events delivered to a sink");
    public static readonly Counter<long> Failures =
        Meter.CreateCounter<long>("reb.verdicts.delivery.failures", "{attempt}", "Failed verdict delivery attempts");
    public static readonly Counter<long> Refused = Meter.CreateCounter<long>("reb.verdicts.refused", "{event}",
        "Verdict events refused because the outbox was full");

    static VerdictTelemetry()
    {
        Meter.CreateObservableGauge("reb.verdicts.outbox.depth", () => Measure(o => o.Count), "{event}",
            "Verdict events waiting in the outbox");
        Meter.CreateObservableGauge("reb.verdicts.outbox.bytes", () => Measure(o => o.Bytes), "By",
            "Bytes of verdict events waiting in the outbox");
    }

    public static KeyValuePair<string, object?>[] Tags(string site, string sink)
        => [new("site", site), new("sink", sink)];

    public static void Track(VerdictOutbox outbox, string site, string sink) => Outboxes[outbox] = (site, sink);

    public static void Untrack(VerdictOutbox outbox) => Outboxes.TryRemove(outbox, out _);

    private static IEnumerable<Measurement<long>> Measure(Func<VerdictOutbox, long> value) =>
        Outboxes.Select(o => new Measurement<long>(value(o.Key), Tags(o.Value.Site, o.Value.Sink))).ToList();
}
