using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Storage;

namespace Reb.Gateway.Endpoints;

/// <summary>
/// `POST /api/lines/{line}/versions`: the HTTP side of `reb cluster publish`. An engineer uploads a model directory made
/// by `reb fit` elsewhere (another site, an offline GPU machine) as multipart files (model.json, core.f32, ...); each file
/// is streamed to disk, the directory is checked against its manifest's checksums (a damaged copy is refused with the
/// file's name), copied into the artefact store and registered on the line.
/// </summary>
public static class PublishEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/lines/{line}/versions", Publish).RequireAuthorization(Roles.Engineer)
            .WithName("PublishVersion").WithSummary("Register a model directory made by `reb fit` (multipart: its files; ?promote=true)")
            .Produces<LineDetail>().DisableAntiforgery();

    private static async Task<IResult> Publish(string line, bool? promote, HttpContext http, LineService lines, IArtefactStore store,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var limit = options.Value.MaxModelUploadBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        if (http.Request.ContentLength is { } n && n > limit)
            throw GatewayProblem.TooLarge($"the model upload has {n} bytes, over the limit of {limit} (Reb:Gateway:MaxModelUploadBytes)");
        string? boundary = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
                           && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary))
            throw GatewayProblem.BadRequest("send the model directory's files as multipart/form-data (model.json, core.f32, density.f32, core-index.i64, ...)");

        LineService.CheckName(line);
        await TrainingEndpoints.ClaimAsync(lines, caller, line, ct); // a new line becomes the caller's site's; another site's is a 404

        var dir = Directory.CreateTempSubdirectory("reb-publish-").FullName;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body);
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd) || !cd.IsFileDisposition())
                    continue;
                var name = Path.GetFileName(HeaderUtilities.RemoveQuotes(cd.FileName).Value ?? "");
                if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name is "." or "..")
                    throw GatewayProblem.BadRequest($"'{name}' is not a model file name");
                await using var file = File.Create(Path.Combine(dir, name));
                await section.Body.CopyToAsync(file, ct);
            }
            try { ModelStore.ReadAndVerify(dir, out _); }
            catch (ModelFormatException e) { throw GatewayProblem.BadRequest(e.Message.Replace(dir, "upload")); }
            var version = await store.PublishModelAsync(dir, ct);
            // Not retried: registering is idempotent, but promoting writes an audit entry per call.
            await lines.Grains.GetGrain<IProductLineGrain>(line).RegisterVersion(version, promote ?? false);
            await lines.Grains.GetGrain<ILineOperationsGrain>(line).Audit(caller.ToActor(), "publish", null, version);
            return Results.Ok(await lines.DetailAsync(await lines.ResolveAsync(caller, line, ct), ct));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
