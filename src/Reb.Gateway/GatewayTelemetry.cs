using System.Diagnostics.Metrics;

namespace Reb.Gateway;

/// <summary>
/// The gateway's own instruments (meter "Reb.Gateway"). Exporting them (/metrics, OTLP) is the telemetry
/// configuration's job: it only has to add this meter; the endpoints record into it whether or not anyone listens.
/// </summary>
public static class GatewayTelemetry
{
    public const string MeterName = "Reb.Gateway";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Inspections, tagged by line and verdict.</summary>
    public static readonly Counter<long> Inspections =
        Meter.CreateCounter<long>("reb.gateway.inspections", "{image}", "Inspected images");

    /// <summary>Scoring round trip of an inspection (cluster call), tagged by line.</summary>
    public static readonly Histogram<double> InspectionLatency =
        Meter.CreateHistogram<double>("reb.gateway.inspection.latency", "ms", "Scoring latency of an inspection");


    /// <summary>Requests refused: 401/403/404-by-site/429, tagged by reason.</summary>
    public static readonly Counter<long> Refusals =
        Meter.CreateCounter<long>("reb.gateway.refusals", "{request}", "Refused requests");
}
