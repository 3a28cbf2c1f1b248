using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>Lines of the caller's site: listing, detail, versions, calibration, promote / roll back, threshold, audit.</summary>
public static class LineEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines", List).RequireAuthorization(Roles.Operator)
            .WithName("ListLines").WithSummary("Lines of the key's site").Produces<LineSummary[]>();
        api.MapGet("/lines/{line}", Detail).RequireAuthorization(Roles.Operator)
            .WithName("GetLine").WithSummary("One line: versions, thresholds, counters").Produces<LineDetail>();
        api.MapGet("/lines/{line}/versions", Versions).RequireAuthorization(Roles.Operator)
            .WithName("ListVersions").WithSummary("Model versions registered for the line").Produces<VersionInfo[]>();
        api.MapGet("/lines/{line}/calibration", Calibration).RequireAuthorization(Roles.Operator)
            .WithName("GetCalibration").WithSummary("Threshold and the held-out good scores (threshold slider)").Produces<Calibration>();
        api.MapPost("/lines/{line}/promote", Promote).RequireAuthorization(Roles.Engineer)
            .WithName("Promote").WithSummary("Make a registered version current").Produces<LineDetail>();
        api.MapPost("/lines/{line}/rollback", RollBack).RequireAuthorization(Roles.Engineer)
            .WithName("RollBack").WithSummary("Return to the version current before the last promote").Produces<LineDetail>();
        api.MapPut("/lines/{line}/threshold", SetThreshold).RequireAuthorization(Roles.Engineer)
            .WithName("SetThreshold").WithSummary("Override the reject threshold (null = the model's calibrated one)").Produces<LineDetail>();
        api.MapGet("/lines/{line}/audit", Audit).RequireAuthorization(Roles.Operator)
            .WithName("GetAudit").WithSummary("Audited changes of the line, newest first").Produces<Reb.Abstractions.Contracts.AuditEntry[]>();
    }

    private static async Task<IResult> List(HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var result = new List<LineSummary>();
        foreach (var name in await lines.SiteLinesAsync(caller.Site, ct))
            result.Add(await lines.SummaryAsync(await lines.ResolveAsync(caller, name, ct), ct));
        return Results.Ok(result);
    }

    private static async Task<IResult> Detail(string line, HttpContext http, LineService lines, CancellationToken ct) =>
        Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(Caller.From(http), line, ct), ct));

    private static async Task<IResult> Versions(string line, HttpContext http, LineService lines, CancellationToken ct) =>
        Results.Ok(await lines.VersionsAsync(await lines.ResolveAsync(Caller.From(http), line, ct), ct));

    private static async Task<IResult> Calibration(string line, HttpContext http, LineService lines, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        if (l.Status.Current is not { } version) return Results.Ok(new Calibration(l.Settings.ThresholdOverride, null, null, [], null));
        var model = await lines.ModelAsync(version, ct);
        // Defect scores are not kept by training (it sees good images only); null tells the slider so.
        return Results.Ok(new Calibration(LineService.EffectiveThreshold(l.Settings, model), model.Threshold, model.GoodMedian, model.GoodScores, null));
    }

    private static async Task<IResult> Promote(string line, PromoteRequest body, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var l = await lines.ResolveAsync(caller, line, ct);
        if (string.IsNullOrWhiteSpace(body?.Version)) throw GatewayProblem.BadRequest("send {\"version\":\"...\"}");
        var status = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line).Promote(body.Version), ct);
        await AuditAsync(lines, line, caller, "promote", l.Status.Current, status.Current, ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> RollBack(string line, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var l = await lines.ResolveAsync(caller, line, ct);
        if (l.Status.Previous.Count == 0) throw GatewayProblem.Conflict($"line '{line}': no earlier version to roll back to");
        var status = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line).RollBack(), ct);
        await AuditAsync(lines, line, caller, "rollback", l.Status.Current, status.Current, ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> SetThreshold(string line, ThresholdRequest body, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        await lines.ResolveAsync(caller, line, ct);
        if (body is null) throw GatewayProblem.BadRequest("send {\"threshold\": number or null}");
        await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ILineOperationsGrain>(line).SetThreshold(body.Threshold, caller.ToActor()), ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> Audit(string line, int? take, HttpContext http, LineService lines, CancellationToken ct)
    {
        await lines.ResolveAsync(Caller.From(http), line, ct);
        var n = Math.Clamp(take ?? 100, 1, 1000);
        return Results.Ok(await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ILineOperationsGrain>(line).GetAudit(n), ct));
    }

    internal static Task AuditAsync(LineService lines, string line, Caller caller, string action, string? oldValue, string? newValue, CancellationToken ct) =>
        lines.Cluster.RetryAsync(async () =>
        {
            await lines.Grains.GetGrain<ILineOperationsGrain>(line).Audit(caller.ToActor(), action, oldValue, newValue);
            return true;
        }, ct);
}
