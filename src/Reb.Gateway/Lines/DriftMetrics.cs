using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Reb.Gateway.Lines;

/// <summary>
/// The latest drift test of each line as gauges on the "Reb.Gateway" meter (Prometheus: reb_line_drift_alarm,
/// reb_line_drift_p_value, reb_line_drift_observed_share, reb_line_drift_expected_share), tagged by site and line. Only
/// lines that exist are tested, so a client cannot create series with made-up names.
/// </summary>
public sealed class DriftMetrics
{
    private static readonly Meter Meter = new(GatewayTelemetry.MeterName);
    private static readonly ConcurrentDictionary<(string Site, string Line), DriftView> Latest = new();

    static DriftMetrics()
    {
        Meter.CreateObservableGauge("reb.line.drift.alarm", () => Observe(d => d.Drifting ? 1 : 0), null,
            "1 while the line's good-part scores have drifted above calibration (binomial test)");
        Meter.CreateObservableGauge("reb.line.drift.p_value", () => Observe(d => d.PValue!.Value), null,
            "One-sided binomial p-value of the recent passing parts' tail share");
        Meter.CreateObservableGauge("reb.line.drift.observed_share", () => Observe(d => d.ObservedShare!.Value), null,
            "Share of recent passing parts at or above the calibration's out-of-fold quantile");
        Meter.CreateObservableGauge("reb.line.drift.expected_share", () => Observe(d => d.ExpectedShare!.Value), null,
            "Share the calibration predicts for a healthy line");
    }

    public void Record(string site, DriftView drift)
    {
        if (drift.Testable) Latest[(site, drift.Line)] = drift;
        else Latest.TryRemove((site, drift.Line), out _);
    }

    private static IEnumerable<Measurement<double>> Observe(Func<DriftView, double> value) =>
        Latest.Select(kv => new Measurement<double>(value(kv.Value),
            new KeyValuePair<string, object?>("site", kv.Key.Site),
            new KeyValuePair<string, object?>("line", kv.Key.Line)));
}
