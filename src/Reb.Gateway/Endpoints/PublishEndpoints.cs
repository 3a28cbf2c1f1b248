using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Gateway.Publishing;
using Reb.Storage;

namespace Reb.Gateway.Endpoints;

/// <summary>
/// `POST /api/lines/{line}/versions`: the HTTP side of `reb cluster publish`. An engineer uploads a model directory
/// made
/// by `reb fit` elsewhere (another site, an offline GPU machine) as multipart files (model.json, core.f32, ...). The
/// order is what keeps one site from hurting another: a slot of the model-write gate, temp space reserved, the body
/// written and verified in a folder of its own (<see cref="ModelUpload"/>), and only a valid model claims the line
/// (a garbage body answers the same on a free and on a taken name, and leaves a free name free); then the model is
/// copied into the artefact store and registered.
/// </summary>
public static class PublishEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/lines/{line}/versions", Publish).RequireAuthorization(Roles.Engineer)
            .InGate(g => g.ModelWrites)
            .WithName("PublishVersion")
            .WithSummary("Register a model directory made by `reb fit` (multipart: its files; ?promote=true)")
            .Produces<LineDetail>().DisableAntiforgery();

    private static async Task<IResult> Publish(string line, bool? promote, HttpContext http, LineService lines,
        IArtefactStore store,
        PublishTempSpace tempSpace, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var o = options.Value;
        var limit = o.MaxModelUploadBytes;
        if (http.Request.ContentLength is { } n && n > limit)
            throw GatewayProblem.TooLarge(
                $"the model upload has {n} bytes, over the limit of {limit} (Reb:Gateway:MaxModelUploadBytes)");
        string? boundary = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
                           && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary))
            throw GatewayProblem.BadRequest("send the model directory's files as multipart/form-data (model.json, " +
                "core.f32, density.f32, core-index.i64, ...)");
        LineService.CheckName(line);

        // The body can take no more disk than was reserved for it: its declared length, or the limit without one.
        using var reservation = tempSpace.Reserve(http.Request.ContentLength ?? limit);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = reservation.Bytes;
        var (upload, manifest) =
            await ModelUpload.ReadAsync(http.Request, boundary, tempSpace.Root, o.MaxPublishSections, ct);
        using (upload)
        {
            // a new line becomes the caller's site's; another site's is a 404
            await TrainingEndpoints.ClaimAsync(lines, caller, line, ct);
            var version = await store.PublishModelAsync(upload.Directory, ct);
            // Not retried: registering is idempotent, but promoting writes an audit entry per call.
            await lines.Grains.GetGrain<IProductLineGrain>(line).RegisterVersion(version, promote ?? false);
            await lines.Grains.GetGrain<ILineOperationsGrain>(line).Audit(caller.ToActor(), "publish", null, version);
            return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
        }
    }
}
