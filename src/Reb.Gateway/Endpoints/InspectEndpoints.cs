using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Grains;
using Reb.Core.Imaging;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Imaging;
using Reb.Gateway.Lines;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Reb.Gateway.Endpoints;

/// <summary>Inspection: one image, a batch, the recent results and their overlays.</summary>
public static class InspectEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/inspect", InspectOne).RequireAuthorization(Roles.Operator)
            .InGate(g => g.Inspect)
            .WithName("Inspect").WithSummary("Inspect one image (raw image/* body or multipart field 'image'); an " +
                "Idempotency-Key header makes a resend answer the inspection it recorded")
            .Accepts<byte[]>("image/png", "image/jpeg", "image/bmp", "multipart/form-data")
            .Produces<Inspection>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413)
            .WithRequestTimeout(RequestTimeouts.Inspect);
        api.MapPost("/lines/{line}/inspect/batch", InspectBatch).RequireAuthorization(Roles.Operator)
            .InGate(g => g.Inspect)
            .WithName("InspectBatch").WithSummary("Inspect many images sent as multipart files")
            .Accepts<byte[]>("multipart/form-data").Produces<BatchResponse>()
            .WithRequestTimeout(RequestTimeouts.Inspect);
        api.MapGet("/lines/{line}/inspections/{id}/overlay.png", Overlay).RequireAuthorization(Roles.Operator)
            .WithName("InspectionOverlay").WithSummary("Heatmap overlay PNG of an inspection: a recent one, or one " +
                "whose images the history kept (?size=thumb for a thumbnail of a recent one)")
            .Produces(200, contentType: "image/png");
    }

    public sealed record BatchResponse(IReadOnlyList<BatchItem> Results);

    private static async Task<IResult> InspectOne(string line, string? name, HttpContext http, LineService lines,
        InspectionService inspections, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        // The cluster's part only is under the deadline (twice: before and after the body), not the client's upload.
        var deadline = ClusterDeadline.Inspect(options.Value);
        var l = await ClusterDeadline.RunAsync(deadline, t => lines.ResolveAsync(Caller.From(http), line, t), ct);
        var key = RequestKeys.From(http.Request);
        var image = await UploadedImages.ReadOneAsync(http.Request, name, options.Value, ct);
        if (key is null)
            return Results.Ok(await ClusterDeadline.RunAsync(deadline, t => inspections.InspectAsync(l, image, t), ct));
        var (inspection, replayed) =
            await ClusterDeadline.RunAsync(deadline, t => inspections.InspectOnceAsync(l, image, key, t), ct);
        if (replayed) http.Response.Headers[RequestKeys.ReplayedHeader] = "true";
        return Results.Ok(inspection);
    }

    /// <summary>
    /// Each image of a batch costs one permit of the key's rate limit (the request itself took the first), and a batch
    /// holds at most <see cref="GatewayOptions.MaxImagesPerBatch"/> images: a batch is many inspections, not one.
    /// </summary>
    private static async Task<IResult> InspectBatch(string line, HttpContext http, LineService lines,
        InspectionService inspections,
        KeyRateLimiter rate, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var deadline = ClusterDeadline.Inspect(options.Value);
        var l = await ClusterDeadline.RunAsync(deadline, t => lines.ResolveAsync(caller, line, t), ct);
        var (files, _) = await UploadedImages.ReadManyAsync(http.Request, options.Value, ct);
        if (files.Count == 0) throw GatewayProblem.BadRequest("the multipart body has no files");
        if (files.Count > options.Value.MaxImagesPerBatch)
            throw GatewayProblem.TooLarge(
                $"a batch holds at most {options.Value.MaxImagesPerBatch} images, this one has {files.Count}");
        rate.Take(caller.KeyId, files.Count - 1);
        var results = new List<BatchItem>();
        foreach (var file in files)
        {
            // One bad image must not spoil the batch: it gets its reason, the others their results.
            // Each image its own deadline: a batch waits at most that long for any one answer of the cluster.
            try { results.Add(new BatchItem(file.Name,
                await ClusterDeadline.RunAsync(deadline, t => inspections.InspectAsync(l, file, t), ct), null)); }
            catch (ImageLoadException e) { results.Add(new BatchItem(file.Name, null, e.Message)); }
            catch (GatewayProblem e) when (e.Status is 400
                or 413) { results.Add(new BatchItem(file.Name, null, e.Message)); }
        }
        return Results.Ok(new BatchResponse(results));
    }

    /// <summary>The live view's ring first (it has every recent overlay and thumbnail), then the overlay the history
    /// kept.</summary>
    private static async Task<IResult> Overlay(string line, string id, string? size, HttpContext http,
        LineService lines,
        Reb.Storage.Inspections.IInspectionHistory history, Reb.Storage.IArtefactStore store, CancellationToken ct)
    {
        var l = await lines.ResolveAsync(Caller.From(http), line, ct);
        var png = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IInspectionLogGrain>(l.Line)
            .Overlay(id, size == "thumb"), ct);
        if (png is null && await history.GetAsync(l.Settings.EffectiveSite, l.Line, id, ct) is { OverlayKey: { } key })
            png = await Reb.Storage.ArtefactStoreBytes.GetBytesAsync(store, key, ct);
        return png is null
            ? throw GatewayProblem.NotFound($"inspection '{id}' of line '{line}' has no overlay: it is not among the " +
                "recent inspections and the history kept no image of it")
            : Results.File(png, "image/png");
    }
}
