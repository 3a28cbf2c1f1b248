using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Storage;
using Reb.Core.Imaging;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Imaging;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>Training jobs: start (uploaded images or a store folder), progress, live progress (SSE), cancel.</summary>
public static class TrainingEndpoints
{
    /// <summary>How often the SSE stream polls the job.</summary>
    public static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(250);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/training", Start).RequireAuthorization(Roles.Engineer)
            .WithName("StartTraining").WithSummary("Train a new model version: multipart good images, or JSON {folder, imageSize, k, fitShards, ...}")
            .Accepts<TrainingFolderRequest>("application/json", "multipart/form-data").Produces<TrainingStarted>(202);
        api.MapGet("/training/{jobId}", Progress).RequireAuthorization(Roles.Operator)
            .WithName("GetTraining").WithSummary("Progress of a training job").Produces<TrainingProgressView>();
        api.MapGet("/training/{jobId}/events", Events).RequireAuthorization(Roles.Operator)
            .WithName("TrainingEvents").WithSummary("Server-sent events 'progress' until the job completes, fails or is cancelled")
            .Produces(200, contentType: "text/event-stream");
        api.MapDelete("/training/{jobId}", Cancel).RequireAuthorization(Roles.Engineer)
            .WithName("CancelTraining").WithSummary("Cancel a training job (stops before its next step)").Produces<TrainingProgressView>();
    }

    private static async Task<IResult> Start(string line, HttpContext http, LineService lines, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var caller = Caller.From(http);
        LineService.CheckName(line);
        var store = http.RequestServices.GetService<IArtefactStore>()
                    ?? throw new GatewayProblem(503, "Artefact store unavailable", "this gateway has no artefact store configured");
        // A new line is created for the caller's site; an existing line of another site stays invisible (404).
        var ops = lines.Grains.GetGrain<ILineOperationsGrain>(line);
        var (settings, _) = await lines.OwnerAsync(line, ct);
        if (settings.Site is not null && settings.Site != caller.Site) throw LineService.NotFound(line);

        TrainingRequest request;
        int shards;
        if (http.Request.HasFormContentType)
            (request, shards) = await FromUploadsAsync(line, http.Request, store, options.Value, ct);
        else
            (request, shards) = await FromFolderAsync(line, http, store, ct);

        await lines.Cluster.RetryAsync(() => ops.Claim(caller.Site), ct);
        var productLine = lines.Grains.GetGrain<IProductLineGrain>(line);
        if (shards != (await lines.Cluster.RetryAsync(() => productLine.GetStatus(), ct)).Shards)
            await lines.Cluster.RetryAsync(() => productLine.SetShards(shards), ct);
        var jobId = await lines.Cluster.RetryAsync(() => productLine.StartTraining(request), ct);
        await LineEndpoints.AuditAsync(lines, line, caller, "training", null, $"{jobId} ({request.ImageKeys.Count} images)", ct);
        return Results.Accepted($"/api/training/{jobId}", new TrainingStarted(jobId, line, request.ImageKeys.Count));
    }

    private static async Task<(TrainingRequest, int)> FromUploadsAsync(string line, HttpRequest http, IArtefactStore store, GatewayOptions o, CancellationToken ct)
    {
        var (files, form) = await UploadedImages.ReadManyAsync(http, o, ct);
        if (files.Count == 0) throw GatewayProblem.BadRequest("the multipart body has no image files");
        var batch = $"uploads/{line}/{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}";
        var keys = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            UploadedImages.CheckHeader(files[i], o);
            ImageLoader.ReadSize(files[i].Bytes, files[i].Name); // refuse non-images now, not in the job's embed step
            var key = $"{batch}/{i:D5}{SafeExtension(files[i].Name)}";
            using var content = new MemoryStream(files[i].Bytes, writable: false);
            await store.PutAsync(key, content, ct);
            keys.Add(key);
        }
        string? Field(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
        var folder = new TrainingFolderRequest(null, Int(Field("imageSize"), "imageSize"), Int(Field("k"), "k"), Int(Field("fitShards"), "fitShards"),
            Field("coresetRatio") is { } c ? double.Parse(c, CultureInfo.InvariantCulture) : null,
            Field("promote") is { } p ? bool.Parse(p) : null, Int(Field("shards"), "shards"));
        return Build(line, keys, folder);
    }

    private static async Task<(TrainingRequest, int)> FromFolderAsync(string line, HttpContext http, IArtefactStore store, CancellationToken ct)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        TrainingFolderRequest? body;
        try { body = await JsonSerializer.DeserializeAsync<TrainingFolderRequest>(http.Request.Body, json, ct); }
        catch (JsonException) { throw GatewayProblem.BadRequest("send multipart images or JSON {\"folder\": \"<artefact-store prefix>\", ...}"); }
        if (string.IsNullOrWhiteSpace(body?.Folder)) throw GatewayProblem.BadRequest("send multipart images or JSON {\"folder\": \"<artefact-store prefix>\", ...}");
        var prefix = body.Folder.TrimEnd('/') + "/";
        var keys = (await store.ListAsync(prefix, ct)).Where(k => ImageLoader.SupportedExtensions.Contains(Path.GetExtension(k))).ToList();
        if (keys.Count == 0) throw GatewayProblem.BadRequest($"the artefact store has no images under '{prefix}'");
        return Build(line, keys, body);
    }

    private static (TrainingRequest, int) Build(string line, IReadOnlyList<string> keys, TrainingFolderRequest o)
    {
        var defaults = new TrainingRequest { Line = line, ImageKeys = keys };
        var request = defaults with
        {
            ImageSize = o.ImageSize ?? defaults.ImageSize,
            K = o.K ?? defaults.K,
            FitShards = o.FitShards ?? defaults.FitShards,
            CoresetRatio = o.CoresetRatio ?? defaults.CoresetRatio,
            Promote = o.Promote ?? defaults.Promote,
        };
        if (request.ImageSize is < 32 or > 1024) throw GatewayProblem.BadRequest($"imageSize must be in 32..1024, got {request.ImageSize}");
        if (request.K < 1 || request.FitShards is < 1 or > 64) throw GatewayProblem.BadRequest("k must be >= 1 and fitShards in 1..64");
        if (request.CoresetRatio is <= 0 or > 1) throw GatewayProblem.BadRequest("coresetRatio must be in (0, 1]");
        int shards = o.Shards ?? request.FitShards;
        if (shards is < 1 or > 64) throw GatewayProblem.BadRequest("shards must be in 1..64");
        return (request, shards);
    }

    private static int? Int(string? value, string name) =>
        value is null ? null : int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw GatewayProblem.BadRequest($"form field '{name}' must be an integer, got '{value}'");

    private static string SafeExtension(string name)
    {
        var ext = Path.GetExtension(name).ToLowerInvariant();
        return ImageLoader.SupportedExtensions.Contains(ext) ? ext : ".img";
    }

    private static async Task<IResult> Progress(string jobId, HttpContext http, LineService lines, CancellationToken ct)
    {
        await lines.JobLineAsync(Caller.From(http), jobId, ct);
        var p = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ITrainingGrain>(jobId).GetProgress(), ct);
        return Results.Ok(TrainingProgressView.From(p));
    }

    private static async Task Events(string jobId, HttpContext http, LineService lines, CancellationToken ct)
    {
        await lines.JobLineAsync(Caller.From(http), jobId, ct);
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var job = lines.Grains.GetGrain<ITrainingGrain>(jobId);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
        string? last = null;
        while (!ct.IsCancellationRequested)
        {
            var p = await lines.Cluster.RetryAsync(() => job.GetProgress(), ct);
            var data = JsonSerializer.Serialize(TrainingProgressView.From(p), json);
            if (data != last)
            {
                await http.Response.WriteAsync($"event: progress\ndata: {data}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
                last = data;
            }
            if (p.IsFinished) return;
            await Task.Delay(EventPollInterval, ct);
        }
    }

    private static async Task<IResult> Cancel(string jobId, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var line = await lines.JobLineAsync(caller, jobId, ct);
        var p = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ITrainingGrain>(jobId).Cancel(), ct);
        await LineEndpoints.AuditAsync(lines, line, caller, "training-cancel", jobId, p.Stage.ToString(), ct);
        return Results.Ok(TrainingProgressView.From(p));
    }
}
