using System.Globalization;
using System.Runtime.CompilerServices;
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
using Reb.Gateway.Training;

namespace Reb.Gateway.Endpoints;

/// <summary>Training jobs: start (uploaded images or a store folder), progress, live progress (SSE), cancel.</summary>
public static class TrainingEndpoints
{
    /// <summary>Largest k (neighbours of the density fit): k + 1 is computed, so int.MaxValue would overflow.</summary>
    public const int MaxK = TrainingRules.MaxK;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/training", Start).RequireAuthorization(Roles.Engineer).InGate(g => g.Training)
            .WithName("StartTraining").WithSummary(
                "Train a new model version: multipart good images, or JSON {folder, imageSize, k, fitShards, ...}")
            .Accepts<TrainingFolderRequest>("application/json", "multipart/form-data").Produces<TrainingStarted>(202);
        api.MapGet("/training/{jobId}", Progress).RequireAuthorization(Roles.Operator)
            .WithName("GetTraining").WithSummary("Progress of a training job").Produces<TrainingProgressView>();
        api.MapGet("/training/{jobId}/events", Events).RequireAuthorization(Roles.Operator)
            .WithName("TrainingEvents")
            .WithSummary("Server-sent events 'progress' until the job completes, fails or is cancelled")
            .Produces(200, contentType: "text/event-stream")
            .DisableRequestTimeout(); // a stream has its own lifetime (TrainingStreams)
        api.MapDelete("/training/{jobId}", Cancel).RequireAuthorization(Roles.Engineer)
            .WithName("CancelTraining").WithSummary("Cancel a training job (stops before its next step)")
            .Produces<TrainingProgressView>();
    }

    /// <summary>
    /// Everything about the request is checked first (fields, folder area, image headers), so that a bad request gets
    /// the same 400 whatever the line; then the line is claimed in one grain call (claim-and-check is atomic: two
    /// sites racing for a new name cannot both get it) and a line owned by another site answers the same 404 as a line
    /// the caller may not see. Only then are uploads stored and the job started.
    /// </summary>
    private static async Task<IResult> Start(string line, HttpContext http, LineService lines, TrainingAreas areas,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var caller = Caller.From(http);
        LineService.CheckName(line);
        var store = http.RequestServices.GetService<IArtefactStore>()
                    ?? throw new GatewayProblem(503, "Artefact store unavailable",
                        "this gateway has no artefact store configured");

        IReadOnlyList<UploadedImage>? uploads = null;
        IReadOnlyList<string> keys;
        TrainingFolderRequest settings;
        if (http.Request.HasFormContentType)
            (uploads, settings) = await ReadUploadsAsync(http.Request, options.Value, ct);
        else
            settings = await ReadFolderRequestAsync(http);
        var (template, shards) = Build(line, [], settings);
        template = template with { Site = caller.Site };
        if (uploads is null)
        {
            var prefix = areas.CheckFolder(caller.Site, settings.Folder!);
            keys = (await store.ListAsync(prefix, ct))
                .Where(k => ImageLoader.SupportedExtensions.Contains(Path.GetExtension(k))).ToList();
            if (keys.Count == 0) throw GatewayProblem.BadRequest($"the artefact store has no images under '{prefix}'");
        }
        else keys = [];

        await ClaimAsync(lines, caller, line, ct);
        var siteJobs = lines.Grains.GetGrain<ISiteTrainingGrain>(caller.Site);
        int limit = Math.Max(1, options.Value.MaxRunningJobsPerSite);
        // A cheap look first, so that a site at its limit does not upload images for nothing; the grain's own check in
        // Start below is the one that holds (this one may be passed by two requests at once).
        if ((await lines.Cluster.RetryAsync(() => siteJobs.Running(), ct)).Count >= limit) throw TooManyJobs(limit);
        string? uploadFolder = null;
        if (uploads is not null) (keys, uploadFolder) = await StoreUploadsAsync(store, caller.Site, line, uploads, ct);
        var request = template with { ImageKeys = keys, UploadFolder = uploadFolder };
        // Once reviewers have judged the line's verdicts, a new version waits for a person to compare and
        // promote it; an explicit "promote": true is that person's decision.
        if (settings.Promote is null
            && http.RequestServices.GetService<Reb.Storage.Inspections.IInspectionHistory>() is { } history
            && (await history.QueryAsync(new Reb.Storage.Inspections.InspectionQuery(caller.Site, line,
                Review: Reb.Storage.Inspections.ReviewFilter.Reviewed, Limit: 1), ct)).Count > 0)
            request = request with { Promote = false };

        // Called once, never retried: a retry after a timeout (the first call may have started a job) would start a
        // second job on the same images. A failure here is a 503 and the caller decides. The site's grain counts its
        // unfinished jobs and starts this one in one turn, so concurrent starts cannot both pass the limit.
        var started = await siteJobs.Start(request, limit);
        if (started.JobId is not { } jobId)
        {
            if (uploadFolder is not null) await DeleteQuietlyAsync(store, uploadFolder);
            throw TooManyJobs(limit);
        }
        await lines.Grains.GetGrain<ILineOperationsGrain>(line)
            .Audit(caller.ToActor(), "training", null, $"{jobId} ({request.ImageKeys.Count} images)");
        // Only once the job has started (a refused start changes nothing), and audited: scoring splits the line's
        // current version into this many shards from now on.
        var productLine = lines.Grains.GetGrain<IProductLineGrain>(line);
        var before = (await lines.Cluster.RetryAsync(() => productLine.GetStatus(), ct)).Shards;
        if (shards != before)
        {
            await lines.Cluster.RetryAsync(() => productLine.SetShards(shards), ct);
            await lines.Grains.GetGrain<ILineOperationsGrain>(line).Audit(caller.ToActor(), "shards", before.ToString(),
                shards.ToString());
        }
        return Results.Accepted($"/api/training/{jobId}", new TrainingStarted(jobId, line, request.ImageKeys.Count));
    }

    /// <summary>Claims a free line for the caller's site in one grain call; 404 when another site owns it.</summary>
    internal static async Task ClaimAsync(LineService lines, Caller caller, string line, CancellationToken ct)
    {
        await lines.OwnerAsync(line, ct); // gives a pre-site line (versions but no site) to the default site first
        var settings = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ILineOperationsGrain>(line)
            .Claim(caller.Site), ct);
        if (settings.Site != caller.Site)
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "not-found"));
            throw LineService.NotFound(line);
        }
    }

    private static GatewayProblem TooManyJobs(int limit) =>
        new(429, "Too many training jobs",
            $"this site already runs {limit} training jobs (the limit); wait for one to finish or cancel one",
            TimeSpan.FromSeconds(30));

    /// <summary>Uploads of a start that was refused: nobody will train on them (the retention sweep is the
    /// backstop).</summary>
    private static async Task DeleteQuietlyAsync(IArtefactStore store, string folder)
    {
        try { await store.DeleteAllAsync(folder, CancellationToken.None); }
        catch (Exception) { }
    }

    private static async Task<(IReadOnlyList<UploadedImage>, TrainingFolderRequest)> ReadUploadsAsync(HttpRequest http,
        GatewayOptions o, CancellationToken ct)
    {
        var (files, form) = await UploadedImages.ReadManyAsync(http, o, ct);
        if (files.Count == 0) throw GatewayProblem.BadRequest("the multipart body has no image files");
        foreach (var file in files)
        {
            UploadedImages.CheckHeader(file, o);
            ImageLoader.ReadSize(file.Bytes, file.Name); // refuse non-images now, not in the job's embed step
        }
        string? Field(string name) => form.TryGetValue(name, out var v)
            && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
        var settings = new TrainingFolderRequest(null, Int(Field("imageSize"), "imageSize"), Int(Field("k"), "k"),
            Int(Field("fitShards"), "fitShards"),
            Double(Field("coresetRatio"), "coresetRatio"), Bool(Field("promote"), "promote"),
            Int(Field("shards"), "shards"),
            Choice<AdaptMode>(Field("adapt"), "adapt"), Field("budget"),
            Choice<AdaptGuardMode>(Field("adaptGuard"), "adaptGuard"),
            Int(Field("seed"), "seed"), Field("adaptRecipe"), Choice<ResizeRequest>(Field("resize"), "resize"),
            Choice<SearchRequest>(Field("search"), "search"));
        return (files, settings);
    }

    /// <summary>Stores the uploads in a new batch folder; returns their keys and the folder ("…/", deleted when the job
    /// ends).</summary>
    private static async Task<(IReadOnlyList<string> Keys, string Folder)> StoreUploadsAsync(IArtefactStore store,
        string site, string line,
        IReadOnlyList<UploadedImage> files, CancellationToken ct)
    {
        var batch = TrainingAreas.UploadBatch(site, line);
        var keys = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            var key = $"{batch}/{i:D5}{SafeExtension(files[i].Name)}";
            using var content = new MemoryStream(files[i].Bytes, writable: false);
            await store.PutAsync(key, content, ct);
            keys.Add(key);
        }
        return (keys, batch + "/");
    }

    private static async Task<TrainingFolderRequest> ReadFolderRequestAsync(HttpContext http)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        TrainingFolderRequest? body;
        try { body = await JsonSerializer.DeserializeAsync<TrainingFolderRequest>(http.Request.Body, json,
            http.RequestAborted); }
        catch (JsonException e) when (ChoicesAt(e.Path) is { } choices)
        {
            throw GatewayProblem.BadRequest($"{e.Path![2..]} must be {choices}");
        }
        catch (JsonException) { throw GatewayProblem.BadRequest(
            "send multipart images or JSON {\"folder\": \"<artefact-store prefix>\", ...}"); }
        if (string.IsNullOrWhiteSpace(body?.Folder)) throw GatewayProblem.BadRequest(
            "send multipart images or JSON {\"folder\": \"<artefact-store prefix>\", ...}");
        return body;
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
            Adapt = o.Adapt ?? defaults.Adapt,
            Budget = o.Budget ?? defaults.Budget,
            AdaptGuard = o.AdaptGuard ?? defaults.AdaptGuard,
            AdaptRecipe = o.AdaptRecipe ?? defaults.AdaptRecipe,
            Resize = o.Resize ?? defaults.Resize,
            Search = o.Search ?? defaults.Search,
            Seed = o.Seed ?? defaults.Seed,
        };
        if (TrainingRules.Check(request) is { Count: > 0 } errors)
            throw GatewayProblem.BadRequest(string.Join("; ", errors));
        if (!Reb.Core.Adaptation.AdaptationOptions.BudgetNames.Contains(request.Budget))
            throw GatewayProblem.BadRequest("budget must be one of " +
                $"{string.Join(", ", Reb.Core.Adaptation.AdaptationOptions.BudgetNames)}, got '{request.Budget}'");
        if (!Reb.Core.Adaptation.AdaptationOptions.RecipeNames.Contains(request.AdaptRecipe))
            throw GatewayProblem.BadRequest("adaptRecipe must be one of " +
                $"{string.Join(", ", Reb.Core.Adaptation.AdaptationOptions.RecipeNames)}, got '{request.AdaptRecipe}'");
        int shards = o.Shards ?? request.FitShards;
        if (TrainingRules.CheckShards(shards) is { } bad) throw GatewayProblem.BadRequest(bad);
        return (request, shards);
    }

    /// <summary>The allowed names of the JSON field at <paramref name="path"/> when it holds a typed choice.</summary>
    private static string? ChoicesAt(string? path) => path switch
    {
        "$.adapt" => TrainingChoices.List<AdaptMode>(),
        "$.adaptGuard" => TrainingChoices.List<AdaptGuardMode>(),
        "$.resize" => TrainingChoices.List<ResizeRequest>(),
        "$.search" => TrainingChoices.List<SearchRequest>(),
        _ => null,
    };

    private static T? Choice<T>(string? value, string name) where T : struct, Enum
    {
        try { return TrainingRules.ParseChoice<T>(value, $"form field '{name}'"); }
        catch (ArgumentException e) { throw GatewayProblem.BadRequest(e.Message); }
    }

    private static int? Int(string? value, string name) =>
        value is null ? null : int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw GatewayProblem.BadRequest($"form field '{name}' must be an integer, got '{value}'");

    private static double? Double(string? value, string name) =>
        value is null ? null : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && double.IsFinite(d) ? d
            : throw GatewayProblem.BadRequest($"form field '{name}' must be a number, got '{value}'");

    private static bool? Bool(string? value, string name) =>
        value is null ? null : bool.TryParse(value, out var b) ? b
            : throw GatewayProblem.BadRequest($"form field '{name}' must be true or false, got '{value}'");

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

    /// <summary>
    /// Progress as server-sent events ('progress', each a <see cref="TrainingProgressView"/>), polled once a second and
    /// sent when it changes, for at most the configured lifetime (the client reconnects after it), and at most the
    /// configured number of streams per key. The framing is ASP.NET Core's own (TypedResults.ServerSentEvents).
    /// </summary>
    private static async Task<IResult> Events(string jobId, HttpContext http, LineService lines,
        TrainingStreams streams,
        CancellationToken ct)
    {
        var caller = Caller.From(http);
        await lines.JobLineAsync(caller, jobId, ct);
        // Released when the request ends, however it ends (also if the stream never starts).
        http.Response.RegisterForDispose(streams.Open(caller.KeyId));
        http.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var job = lines.Grains.GetGrain<ITrainingGrain>(jobId);
        return TypedResults.ServerSentEvents(ProgressEvents(job, lines, streams.Lifetime, json, ct),
            eventType: "progress");
    }

    private static async IAsyncEnumerable<TrainingProgressView> ProgressEvents(ITrainingGrain job, LineService lines,
        TimeSpan lifetimeSpan, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken ct)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lifetime.CancelAfter(lifetimeSpan);
        string? last = null;
        while (await NextAsync(job, lines, lifetime, ct) is { } p)
        {
            var view = TrainingProgressView.From(p);
            var data = JsonSerializer.Serialize(view, json);
            if (data != last) { last = data; yield return view; }
            if (p.IsFinished) yield break;
            if (!await DelayAsync(lifetime, ct)) yield break;
        }
    }

    /// <summary>The job's progress; null once the stream's lifetime is over (EventSource clients reconnect by
    /// themselves). A request the client aborted still ends in OperationCanceledException.</summary>
    private static async Task<TrainingProgress?> NextAsync(ITrainingGrain job, LineService lines,
        CancellationTokenSource lifetime, CancellationToken ct)
    {
        try { return await lines.Cluster.RetryAsync(() => job.GetProgress(), lifetime.Token); }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested
            && !ct.IsCancellationRequested) { return null; }
    }

    private static async Task<bool> DelayAsync(CancellationTokenSource lifetime, CancellationToken ct)
    {
        try { await Task.Delay(TrainingStreams.PollInterval, lifetime.Token); return true; }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested
            && !ct.IsCancellationRequested) { return false; }
    }

    private static async Task<IResult> Cancel(string jobId, HttpContext http, LineService lines, CancellationToken ct)
    {
        var caller = Caller.From(http);
        var line = await lines.JobLineAsync(caller, jobId, ct);
        var p = await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<ITrainingGrain>(jobId).Cancel(), ct);
        await lines.Grains.GetGrain<ILineOperationsGrain>(line)
            .Audit(caller.ToActor(), "training-cancel", jobId, p.Stage.ToString());
        return Results.Ok(TrainingProgressView.From(p));
    }
}
