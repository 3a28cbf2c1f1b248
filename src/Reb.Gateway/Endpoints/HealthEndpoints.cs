using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Storage;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>
/// Liveness (the process answers), readiness (this silo is up and its grains answer) and the artefact store's health
/// on its own endpoint. Readiness asks a stateless worker, which runs on this silo: a grain with one activation in the
/// cluster (a site's line directory) lives on one silo, and losing that silo marked every pod not ready together. The
/// store is shared by every pod: were it part of readiness, a short store outage would take
/// every pod out of the Service at once, although models already in each silo's cache can still score.
/// </summary>
public static class HealthEndpoints
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "alive" })).AllowAnonymous()
            .WithName("Healthz").WithSummary("Liveness").WithTags("health");
        app.MapGet("/readyz", Ready).AllowAnonymous()
            .WithName("Readyz").WithSummary(
                "Readiness: this silo's grains answer (the artefact store is not part of it)").WithTags("health")
            .Produces<Readiness>().Produces<Readiness>(503);
        app.MapGet("/healthz/store", Store).AllowAnonymous()
            .WithName("StoreHealth")
            .WithSummary("Whether the shared artefact store answers (for alerts, not for probes)").WithTags("health")
            .Produces<StoreHealth>().Produces<StoreHealth>(503);
    }

    private static async Task<IResult> Ready(IGrainFactory grains)
    {
        var cluster = await Probe(() => grains.GetGrain<IReadinessGrain>(0).Ping());
        var r = new Readiness(cluster);
        return cluster ? Results.Ok(r) : Results.Json(r, statusCode: 503);
    }

    private static async Task<IResult> Store(HttpContext http, CancellationToken ct)
    {
        var store = http.RequestServices.GetService<IArtefactStore>();
        var up = store is not null && await Probe(() => store.ListAsync("gateway-readiness/", ct));
        var r = new StoreHealth(up);
        return up ? Results.Ok(r) : Results.Json(r, statusCode: 503);
    }

    private static async Task<bool> Probe<T>(Func<Task<T>> call)
    {
        try { await call().WaitAsync(ProbeTimeout); return true; }
        catch (Exception) { return false; } // any failure means "not ready"; the reason is in the silo's log
    }
}
