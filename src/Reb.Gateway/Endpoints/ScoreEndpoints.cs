using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Gateway.Telemetry;

namespace Reb.Gateway.Endpoints;

/// <summary>Score plots (histogram, time series) and the drift test of a line, read from the inspection
/// history.</summary>
public static class ScoreEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines/{line}/scores/histogram", Histogram).RequireAuthorization(Roles.Operator)
            .WithName("GetScoreHistogram")
            .WithSummary("A version's recent scores binned (good, reject, reviewed good, confirmed defect) with its " +
                "out-of-fold good and synthetic defect scores (?version= default current, ?take=2000, ?bins=30)")
            .Produces<ScoreHistogram>().ProducesProblem(400).ProducesProblem(404);
        api.MapGet("/lines/{line}/scores/timeline", Timeline).RequireAuthorization(Roles.Operator)
            .WithName("GetScoreTimeline")
            .WithSummary("Score quantiles (p50, p90, p99, max) and reject rate per time bucket (?from=&to= ISO 8601, " +
                "default the last 24 h from its first inspection; ?buckets=48)")
            .Produces<ScoreTimeline>().ProducesProblem(400).ProducesProblem(404);
        api.MapGet("/lines/{line}/drift", Drift).RequireAuthorization(Roles.Operator)
            .WithName("GetDrift")
            .WithSummary("Share of recent good-verdict scores above the calibration's 95 % out-of-fold good score, " +
                "against calibration (binomial test)")
            .Produces<DriftView>().ProducesProblem(404);
    }

    private static async Task<IResult> Histogram(string line, string? version, int? take, int? bins, HttpContext http,
        LineService lines,
        ScoreService scores, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        if (bins is < 1 or > 200) throw GatewayProblem.BadRequest($"bins must be 1..200, got {bins}");
        return Results.Ok(await scores.HistogramAsync(l, version, Math.Clamp(take ?? 2000, 1, ScoreService.MaxRows),
            bins ?? 30, ct));
    }

    private static async Task<IResult> Timeline(string line, string? from, string? to, int? buckets, HttpContext http,
        LineService lines,
        ScoreService scores, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var q = HistoryQueryParser.Parse(l.Settings.EffectiveSite, l.Line, from, to, null, null, 1);
        var end = q.To ?? DateTimeOffset.UtcNow;
        // No 'from': the last 24 h, starting at the first inspection in them, so a young line's few minutes of
        // inspections spread over the buckets instead of filling one.
        var start = q.From ?? await scores.FirstInspectionAsync(l, end.AddHours(-24), end, ct) ?? end.AddHours(-24);
        return Results.Ok(await scores.TimelineAsync(l, start, end, buckets ?? 48, ct));
    }

    private static async Task<IResult> Drift(string line, HttpContext http, LineService lines, ScoreService scores,
        DriftMetrics metrics,
        CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var drift = await scores.DriftAsync(l, ct);
        metrics.Record(l.Settings.EffectiveSite, drift);
        return Results.Ok(drift);
    }
}
