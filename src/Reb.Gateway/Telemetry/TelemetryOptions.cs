namespace Reb.Gateway.Telemetry;

/// <summary>Settings of metrics, traces and the Orleans Dashboard; section "Reb:Telemetry".</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Reb:Telemetry";

    /// <summary>Collect and export metrics (and traces when <see cref="OtlpEndpoint"/> is set). False = none of
    /// it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// OTLP collector (e.g. "http://otel-collector:4317"); metrics and traces are pushed there. Empty (the default)
    /// = no OTLP exporter, so nothing tries the network; traces are then not collected at all.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Prometheus scrape path on the gateway's HTTP port (scrape token or operations key: see
    /// Reb:Gateway:MetricsToken).</summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>Host the Orleans Dashboard (cluster internals) under <see cref="DashboardPath"/> for operations admins
    /// only.</summary>
    public bool OrleansDashboard { get; set; } = true;

    /// <summary>Route prefix of the Orleans Dashboard.</summary>
    public string DashboardPath { get; set; } = "/orleans";

    /// <summary>service.name of the exported resource.</summary>
    public string ServiceName { get; set; } = "reb-silo";
}
