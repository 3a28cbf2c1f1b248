using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;
using Orleans.Diagnostics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Reb.Gateway.Access;

namespace Reb.Gateway.Telemetry;

/// <summary>
/// The gateway's telemetry: HTTP metrics and spans, the "Reb.Gateway" meter, the Prometheus scrape endpoint and the
/// Orleans Dashboard's routes. Two calls: <see cref="AddRebTelemetry(IServiceCollection, IConfiguration)"/> (services)
/// and <see cref="MapRebTelemetry"/> (middleware and routes). The silo's own meters, trace propagation and dashboard
/// grains are registered by the silo host (Reb.Silo.SiloTelemetry) into the same providers.
/// </summary>
public static class TelemetryRegistration
{
    public static TelemetryOptions Options(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    /// <summary>Meter and tracer providers with the configured exporters (nothing when Reb:Telemetry:Enabled is
    /// false).</summary>
    public static IServiceCollection AddRebTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = Options(configuration);
        services.Configure<TelemetryOptions>(configuration.GetSection(TelemetryOptions.Section));
        if (!options.Enabled) return services;
        Uri? otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithMetrics(m =>
            {
                // The silo host adds the Orleans, grain and runtime meters to this same provider
                // (Reb.Silo.SiloTelemetry).
                m.AddAspNetCoreInstrumentation()
                    .AddMeter(GatewayTelemetry.MeterName)
                    .AddPrometheusExporter();
                if (otlp is not null) m.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        // Traces only go somewhere with OTLP; without it no tracer provider is built, so requests create no spans.
        if (otlp is not null)
        {
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = otlp));
        }
        return services;
    }

    /// <summary>
    /// Request duration middleware (put it first, so it sees the final status), the Prometheus endpoint and the Orleans
    /// Dashboard under <see cref="TelemetryOptions.DashboardPath"/>. Both show every site's lines, counters, job ids
    /// and
    /// (the dashboard) grain state, so neither is open to plant keys: /metrics needs the scrape token or an operations
    /// admin key, the dashboard an operations admin key (<see cref="OperationsAccess"/>).
    /// </summary>
    public static WebApplication MapRebTelemetry(this WebApplication app)
    {
        var options = Options(app.Configuration);
        if (!options.Enabled) return app;
        app.UseMiddleware<LineMetricsTag>();
        // Neither belongs in the API's OpenAPI document: they are operations surfaces, not the plant-facing API.
        app.MapPrometheusScrapingEndpoint(options.PrometheusPath).RequireAuthorization(OperationsAccess.MetricsScrape)
            .ExcludeFromDescription();
        if (options.OrleansDashboard)
            app.MapOrleansDashboard(options.DashboardPath).RequireAuthorization(OperationsAccess.Operations)
                .ExcludeFromDescription();
        return app;
    }
}
