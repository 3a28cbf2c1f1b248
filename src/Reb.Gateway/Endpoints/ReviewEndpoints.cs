using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>
/// What reviews do to the model: engineers add overturned rejects to the bank (a new version, not promoted),
/// anyone of the site compares a version with the current one on the reviewed images and reads the measured rates.
/// </summary>
public static class ReviewEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/bank", AddToBank).RequireAuthorization(Roles.Engineer).InGate(g => g.ModelWrites)
            .WithName("AddToBank").WithSummary("Append overturned rejects' images to the current version's bank: a " +
                "new version, registered, not promoted ({\"inspections\":[ids]})")
            .Produces<BankAddResult>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithRequestTimeout(TimeSpan.FromMinutes(10));
        api.MapGet("/lines/{line}/compare", Compare).RequireAuthorization(Roles.Operator).InGate(g => g.HeavyReads)
            .WithName("CompareVersion").WithSummary("Current version vs ?version= on the line's reviewed images: " +
                "false-reject and escape rates side by side")
            .Produces<VersionComparison>().ProducesProblem(400).ProducesProblem(404)
            .WithRequestTimeout(TimeSpan.FromMinutes(10));
        api.MapGet("/lines/{line}/review-summary", Summary).RequireAuthorization(Roles.Operator)
            .WithName("ReviewSummary").WithSummary("Measured false-reject and escape rates of the current version on " +
                "reviewed inspections, and a suggested threshold")
            .Produces<ReviewSummary>();
    }

    private static async Task<IResult> AddToBank(string line, BankAddRequest? body, HttpContext http, LineService lines,
        ReviewService reviews,
        CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        return Results.Ok(await reviews.AddToBankAsync(l, body?.Inspections ?? [], ct));
    }

    private static async Task<IResult> Compare(string line, string? version, HttpContext http, LineService lines,
        ReviewService reviews,
        CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        if (string.IsNullOrWhiteSpace(version))
            throw GatewayProblem.BadRequest("send ?version=<the version to compare with the current one>");
        return Results.Ok(await reviews.CompareAsync(l, version, ct));
    }

    private static async Task<IResult> Summary(string line, HttpContext http, LineService lines, ReviewService reviews,
        CancellationToken ct) =>
        Results.Ok(await reviews.SummaryAsync(await lines.ResolveAsync(Caller.From(http), line, ct), ct));
}
