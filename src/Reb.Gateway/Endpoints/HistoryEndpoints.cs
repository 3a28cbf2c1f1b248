using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Storage;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Endpoints;

/// <summary>
/// The inspection history: query and CSV export by time range, verdict and review state; the stored image;
/// reviews (operators confirm or overturn a verdict); the line's retention policy. Every call is scoped to the caller's
/// site: another site's line is a 404 before the database is asked, and the database is asked for the caller's site
/// only. </summary>
public static class HistoryEndpoints
{
    /// <summary>Most rows one CSV export holds; narrow the time range for more.</summary>
    public const int MaxExportRows = 100_000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines/{line}/inspections", Query).RequireAuthorization(Roles.Operator)
            .WithName("ListInspections")
            .WithSummary("Inspections of the line from the history, newest first (?from=&to= ISO 8601 [from, to), " +
                "?verdict=reject|good, ?review=none|reviewed|confirmed|overturned, ?take=20)")
            .Produces<HistoryInspection[]>().ProducesProblem(400).ProducesProblem(404);
        api.MapGet("/lines/{line}/inspections.csv", Csv).RequireAuthorization(Roles.Operator)
            .InGate(g => g.HeavyReads)
            .WithName("ExportInspections").WithSummary("The same query as CSV (all matching rows up to 100000)")
            .Produces(200, contentType: "text/csv").ProducesProblem(400).ProducesProblem(404);
        api.MapGet("/lines/{line}/inspections/{id}/image", Image).RequireAuthorization(Roles.Operator)
            .WithName("InspectionImage").WithSummary(
                "The inspected image as uploaded, when the history kept it (every reject, a sample of accepts)")
            .Produces(200, contentType: "application/octet-stream").ProducesProblem(404);
        api.MapPost("/lines/{line}/inspections/{id}/review", Review).RequireAuthorization(Roles.Operator)
            .WithName("ReviewInspection")
            .WithSummary("Confirm or overturn a verdict: {\"decision\":\"confirm|overturn\",\"note\":\"...\"}")
            .Produces<HistoryInspection>().ProducesProblem(400).ProducesProblem(404);
        api.MapGet("/lines/{line}/retention", GetRetention).RequireAuthorization(Roles.Operator)
            .WithName("GetRetention").WithSummary("The line's history retention: days kept, stored images kept")
            .Produces<RetentionView>();
        api.MapPut("/lines/{line}/retention", SetRetention).RequireAuthorization(Roles.Engineer)
            .WithName("SetRetention")
            .WithSummary("Set the line's retention: {\"days\":90,\"maxStoredImages\":10000} (0 = no limit)")
            .Produces<RetentionView>().ProducesProblem(400);
    }

    private static async Task<IResult> Query(string line, string? from, string? to, string? verdict, string? review,
        int? take,
        HttpContext http, LineService lines, IInspectionHistory history, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var q = HistoryQueryParser.Parse(l.Settings.EffectiveSite, l.Line, from, to, verdict, review,
            Math.Clamp(take ?? 20, 1, 1000));
        return Results.Ok((await history.QueryAsync(q, ct)).Select(HistoryInspection.From).ToList());
    }

    private static async Task<IResult> Csv(string line, string? from, string? to, string? verdict, string? review,
        HttpContext http, LineService lines, IInspectionHistory history, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var q = HistoryQueryParser.Parse(l.Settings.EffectiveSite, l.Line, from, to, verdict, review, MaxExportRows);
        // An export with no rows is still a CSV (the header), and says so in a header a script can check. The rows
        // are written as the database returns them: 100k rows never sit in the gateway's memory at once.
        http.Response.Headers["X-Reb-Rows"] = (await history.CountAsync(q, ct)).ToString();
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"{l.Line}-inspections.csv");
        http.Response.Headers.ContentDisposition = disposition.ToString();
        http.Response.ContentType = "text/csv; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(InspectionCsv.Header + "\r\n");
        int n = 0;
        await foreach (var row in history.StreamAsync(q, ct))
        {
            await writer.WriteAsync(InspectionCsv.Row(row) + "\r\n");
            if (++n % 1000 == 0) await writer.FlushAsync(ct);
        }
        await writer.FlushAsync(ct);
        return Results.Empty;
    }

    private static async Task<IResult> Image(string line, string id, HttpContext http, LineService lines,
        IInspectionHistory history,
        IArtefactStore store, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var e = await history.GetAsync(l.Settings.EffectiveSite, l.Line, id, ct)
            ?? throw GatewayProblem.UnknownInspection(line, id);
        var bytes = e.ImageKey is { } key ? await store.GetBytesAsync(key, ct) : null;
        if (bytes is null) throw GatewayProblem.NotFound(
            $"inspection '{id}' of line '{line}' has no stored image (not sampled, or removed by retention)");
        var type = InspectionImages.Extension(bytes) switch { "png" => "image/png", "jpg" => "image/jpeg",
            "bmp" => "image/bmp", _ => "application/octet-stream" };
        return Results.File(bytes, type);
    }

    private static async Task<IResult> Review(string line, string id, ReviewRequest? body, HttpContext http,
        LineService lines,
        IInspectionHistory history, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var l = await lines.ResolveAsync(caller, line, ct);
        if (body?.Decision is null) throw GatewayProblem.BadRequest(
            "send {\"decision\": \"confirm\" or \"overturn\", \"note\": optional text}");
        var state = InspectionFilters.Decision(body.Decision);
        var note = body.Note?.Trim();
        if (note is { Length: > 2000 }) throw GatewayProblem.BadRequest("a review note holds at most 2000 characters");
        var reviewed =
            await history.ReviewAsync(l.Settings.EffectiveSite, l.Line, id, state, $"{caller.Name} ({caller.KeyId})",
            DateTimeOffset.UtcNow, string.IsNullOrEmpty(note) ? null : note, ct)
                ?? throw GatewayProblem.UnknownInspection(line, id);
        return Results.Ok(HistoryInspection.From(reviewed));
    }

    private static async Task<IResult> GetRetention(string line, HttpContext http, LineService lines,
        IInspectionHistory history,
        InspectionHistorySettings settings, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var own = await history.GetRetentionAsync(l.Settings.EffectiveSite, l.Line, ct);
        var p = own ?? settings.DefaultRetention;
        return Results.Ok(new RetentionView(p.Days, p.MaxStoredImages, own is null));
    }

    private static async Task<IResult> SetRetention(string line, RetentionRequest? body, HttpContext http,
        LineService lines,
        IInspectionHistory history, InspectionHistorySettings settings, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        if (body is null || (body.Days is null && body.MaxStoredImages is null))
            throw GatewayProblem.BadRequest("send {\"days\": n, \"maxStoredImages\": n} (0 = no limit)");
        var current = await history.GetRetentionAsync(l.Settings.EffectiveSite, l.Line, ct)
            ?? settings.DefaultRetention;
        var p = new RetentionPolicy(body.Days ?? current.Days, body.MaxStoredImages ?? current.MaxStoredImages);
        p.Check();
        // Every change is audited with who made it, "keep everything for ever" (0/0) above all: from then on the line's
        // history and images only grow. The entry is written first, so no change is ever made without one.
        await lines.Grains.GetGrain<ILineOperationsGrain>(l.Line)
            .Audit(Caller.From(http).ToActor(), "retention", Describe(current), Describe(p));
        await history.SetRetentionAsync(l.Settings.EffectiveSite, l.Line, p, ct);
        return Results.Ok(new RetentionView(p.Days, p.MaxStoredImages, false));
    }

    /// <summary>A policy as the audit log shows it: "90 days, 10000 images", "unlimited (0/0): nothing is ever
    /// removed".</summary>
    private static string Describe(RetentionPolicy p) => p is { Days: 0, MaxStoredImages: 0 }
        ? "unlimited (0/0): nothing is ever removed"
        : $"{(p.Days == 0 ? "no day limit" : $"{p.Days} days")}, " +
        $"{(p.MaxStoredImages == 0 ? "no image limit" : $"{p.MaxStoredImages} images")}";
}
