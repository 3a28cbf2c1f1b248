using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;
using Orleans.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Reb.Gateway.Telemetry;
using Reb.Grains.Diagnostics;

namespace Reb.Silo;

/// <summary>
/// The silo's own telemetry, registered by the silo host whether or not it runs the HTTP gateway: the Orleans runtime
/// meter, the grains' meter ("Reb.Grains": scoring stages, training progress), .NET runtime metrics, trace context
/// carried by grain calls, and the Orleans Dashboard's grains. Exported by OTLP when Reb:Telemetry:OtlpEndpoint is set;
/// the gateway, when hosted, adds its HTTP metrics and the Prometheus scrape endpoint to the same meter provider.
/// </summary>
public static class SiloTelemetry
{
    /// <summary>Meter of the Orleans runtime (messaging, activations, grain calls...).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    public static void Add(ISiloBuilder silo, IServiceCollection services, IConfiguration configuration, bool dashboard)
    {
        var options = TelemetryRegistration.Options(configuration);
        // Trace context travels with grain calls (an HTTP request's span is the parent of the grain calls it makes).
        silo.AddActivityPropagation();
        if (!options.Enabled) return;
        if (dashboard && options.OrleansDashboard) silo.AddDashboard();
        Uri? otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithMetrics(m =>
            {
                m.AddRuntimeInstrumentation().AddMeter(OrleansMeter, RebMetrics.MeterName);
                if (otlp is not null) m.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        // Traces only go somewhere with OTLP; without it no tracer provider is built, so grain calls create no spans.
        if (otlp is not null)
        {
            otel.WithTracing(t => t
                .AddSource(ActivitySources.RuntimeActivitySourceName,
                    ActivitySources.ApplicationGrainActivitySourceName)
                .AddOtlpExporter(o => o.Endpoint = otlp));
        }
    }
}
