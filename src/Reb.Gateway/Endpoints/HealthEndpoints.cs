using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Storage;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>Liveness (the process answers) and readiness (the cluster and the artefact store answer).</summary>
public static class HealthEndpoints
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "alive" })).AllowAnonymous()
            .WithName("Healthz").WithSummary("Liveness").WithTags("health");
        app.MapGet("/readyz", Ready).AllowAnonymous()
            .WithName("Readyz").WithSummary("Readiness: cluster and artefact store reachable").WithTags("health")
            .Produces<Readiness>().Produces<Readiness>(503);
    }

    private static async Task<IResult> Ready(HttpContext http, IGrainFactory grains)
    {
        var cluster = await Probe(() => grains.GetGrain<ILineDirectoryGrain>(Sites.Default).List());
        var store = http.RequestServices.GetService<IArtefactStore>();
        var artefacts = store is not null && await Probe(() => store.ListAsync("gateway-readiness/"));
        var r = new Readiness(cluster, artefacts);
        return cluster && artefacts ? Results.Ok(r) : Results.Json(r, statusCode: 503);
    }

    private static async Task<bool> Probe<T>(Func<Task<T>> call)
    {
        try { await call().WaitAsync(ProbeTimeout); return true; }
        catch (Exception) { return false; } // any failure means "not ready"; the reason is in the silo's log
    }
}
