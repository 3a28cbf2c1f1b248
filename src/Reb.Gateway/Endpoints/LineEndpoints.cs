using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Endpoints;

/// <summary>Lines of the caller's site: listing, detail, versions, calibration, promote / roll back, threshold,
/// audit.</summary>
public static class LineEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines", List).RequireAuthorization(Roles.Operator)
            .WithName("ListLines")
            .WithSummary("Lines of the key's site (?recent=N: each with its N newest inspections, at most 20)")
            .Produces<LineSummary[]>();
        api.MapGet("/lines/{line}", Detail).RequireAuthorization(Roles.Operator)
            .WithName("GetLine").WithSummary("One line: versions, thresholds, counters").Produces<LineDetail>();
        api.MapGet("/lines/{line}/versions", Versions).RequireAuthorization(Roles.Operator)
            .WithName("ListVersions").WithSummary("Model versions registered for the line").Produces<VersionInfo[]>();
        api.MapGet("/lines/{line}/calibration", Calibration).RequireAuthorization(Roles.Operator)
            .WithName("GetCalibration").WithSummary("Threshold and the held-out good scores (threshold slider)")
            .Produces<Calibration>();
        api.MapGet("/lines/{line}/versions/{version}/calibration", VersionCalibration)
            .RequireAuthorization(Roles.Operator)
            .WithName("GetVersionCalibration")
            .WithSummary("A version's calibration record: predicted false-reject rate with its interval, synthetic " +
                "escape rate overall and per kind, out-of-fold good and synthetic defect scores")
            .Produces<CalibrationRecordView>().ProducesProblem(404);
        api.MapPost("/lines/{line}/promote", Promote).RequireAuthorization(Roles.Engineer)
            .WithName("Promote").WithSummary("Make a registered version current").Produces<LineDetail>();
        api.MapPost("/lines/{line}/rollback", RollBack).RequireAuthorization(Roles.Engineer)
            .WithName("RollBack").WithSummary("Return to the version current before the last promote")
            .Produces<LineDetail>();
        api.MapPut("/lines/{line}/threshold", SetThreshold).RequireAuthorization(Roles.Engineer)
            .WithName("SetThreshold").WithSummary("Override the reject threshold (null = the model's calibrated one)")
            .Produces<LineDetail>();
        api.MapGet("/lines/{line}/audit", Audit).RequireAuthorization(Roles.Operator)
            .WithName("GetAudit").WithSummary("Audited changes of the line, newest first")
            .Produces<Reb.Abstractions.Contracts.AuditEntry[]>();
    }

    /// <summary>Most inspections per line one listing carries.</summary>
    public const int MaxRecent = 20;

    private static async Task<IResult> List(int? recent, HttpContext http, LineService lines,
        IInspectionHistory history,
        CancellationToken ct)
    {
        if (recent is < 0 or > MaxRecent)
            throw GatewayProblem.BadRequest($"recent must be between 0 and {MaxRecent}, was {recent}");
        var caller = Caller.From(http);
        var result = new List<LineSummary>();
        foreach (var name in await lines.SiteLinesAsync(caller.Site, ct))
        {
            var line = await lines.ResolveAsync(caller, name, ct);
            var summary = await lines.SummaryAsync(line, ct);
            if (recent is > 0)
            {
                var q = HistoryQueryParser.Parse(line.Settings.EffectiveSite, line.Line, null, null, null, null,
                    recent.Value);
                summary =
                    summary with { Recent = (await history.QueryAsync(q, ct)).Select(HistoryInspection.From).ToList() };
            }
            result.Add(summary);
        }
        return Results.Ok(result);
    }

    private static async Task<IResult> Detail(string line, HttpContext http, LineService lines, CancellationToken ct) =>
        Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(Caller.From(http), line, ct), ct));

    private static async Task<IResult> Versions(string line, HttpContext http, LineService lines,
        CancellationToken ct) =>
        Results.Ok(await lines.VersionsAsync(await lines.ResolveAsync(Caller.From(http), line, ct), ct));

    private static async Task<IResult> Calibration(string line, HttpContext http, LineService lines,
        ReviewService reviews, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        if (l.Status.Current is not { } version)
            return Results.Ok(new Calibration(l.Settings.ThresholdOverride, null, null, [], null));
        var model = await lines.ModelAsync(version, ct);
        // Training sees good images only; measured defect scores come from reviews (confirmed rejects, overturned
        // accepts) of this version. None yet: the slider predicts escapes from the synthetic defects instead.
        var (_, defects) = await reviews.LabelledScoresAsync(l, version, ct);
        return Results.Ok(new Calibration(LineService.EffectiveThreshold(l.Settings, model), model.Threshold,
            model.GoodMedian, model.GoodScores,
            defects.Count == 0 ? null : defects.Select(d => (float)d).ToArray())
        {
            SyntheticKinds = model.Calibration?.SyntheticKinds.Select(SyntheticKindView.From).ToList() ?? [],
            IntervalCoverage = model.Calibration?.IntervalCoverage ?? 0.9,
        });
    }

    private static async Task<IResult> VersionCalibration(string line, string version, HttpContext http,
        LineService lines, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        // Only the line's own versions: another line's version id is not found here, like another site's line.
        if (!l.Status.Versions.Any(v => v.Version == version))
            throw GatewayProblem.NotFound($"version '{version}' is not registered on line '{line}'");
        var model = await lines.ModelAsync(version, ct);
        if (model.Calibration is not { } c)
            throw GatewayProblem.NotFound(
                $"version '{version}' has no calibration record (legacy threshold rule: {model.ThresholdMethod})");
        return Results.Ok(CalibrationRecordView.From(line, model, c));
    }

    private static async Task<IResult> Promote(string line, PromoteRequest body, HttpContext http, LineService lines,
        CancellationToken ct)
    {
        var caller = Caller.From(http);
        await lines.ResolveAsync(caller, line, ct);
        if (string.IsNullOrWhiteSpace(body?.Version)) throw GatewayProblem.BadRequest("send {\"version\":\"...\"}");
        // One call that changes and audits (the old value is read inside it), retried with one request id: a retry
        // after a lost reply is recognised by the grain and writes no second audit entry.
        var requestId = Guid.NewGuid();
        await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line)
            .Promote(body.Version, caller.ToActor(), requestId), ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> RollBack(string line, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        await lines.ResolveAsync(caller, line, ct);
        // Checked inside the grain (nothing to roll back to is a 409 from there): a check here would race with a
        // concurrent roll back. Retried only with one request id: the grain answers a retry of a done roll back
        // without going a second version back.
        var requestId = Guid.NewGuid();
        await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line)
            .RollBack(caller.ToActor(), requestId), ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> SetThreshold(string line, ThresholdRequest body, HttpContext http,
        LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        await lines.ResolveAsync(caller, line, ct);
        if (body is null) throw GatewayProblem.BadRequest("send {\"threshold\": number or null}");
        var requestId = Guid.NewGuid(); // one id for every retry: the grain audits the change once
        await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ILineOperationsGrain>(line)
            .SetThreshold(body.Threshold, caller.ToActor(), requestId), ct);
        return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
    }

    private static async Task<IResult> Audit(string line, int? take, HttpContext http, LineService lines,
        CancellationToken ct)
    {
        await lines.ResolveAsync(Caller.From(http), line, ct);
        var n = Math.Clamp(take ?? 100, 1, 1000);
        return Results.Ok(
            await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ILineOperationsGrain>(line).GetAudit(n), ct));
    }
}
