using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Http.Resilience;

namespace Reb.Client;

/// <summary>
/// Typed client of the RebCluster HTTP API. <c>Create</c> makes one with the resilience pipeline (<see
/// cref="RebResilience"/>); the constructor takes an <see cref="HttpClient"/> the caller configured (base address and
/// X-Api-Key header, e.g. from IHttpClientFactory). Every refusal is a <see cref="RebApiException"/> carrying the
/// API's problem details. Thread-safe: share one per gateway.
/// </summary>
public sealed class RebClient(HttpClient http) : IDisposable
{
    public const string ApiKeyHeader = "X-Api-Key";
    private static readonly JsonSerializerOptions Json =
        new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private bool _ownsHttp;

    /// <summary>A client of the gateway at <paramref name="baseAddress"/> with <paramref name="apiKey"/>, retrying safe
    /// calls; <paramref name="inner"/> is the handler under the resilience pipeline (default: a new
    /// SocketsHttpHandler).</summary>
    public static RebClient Create(Uri baseAddress, string apiKey, RebClientOptions? options = null,
        HttpMessageHandler? inner = null)
    {
        options ??= new RebClientOptions();
        var handler =
            new ResilienceHandler(RebResilience.Pipeline(options)) { InnerHandler = inner ?? new SocketsHttpHandler() };
        var client = new HttpClient(handler)
        {
            BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/"),
            // The pipeline times each attempt; the client's own limit would cut an event stream.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        return new RebClient(client) { _ownsHttp = true };
    }

    public static RebClient Create(RebClientOptions options) =>
        Create(options.BaseAddress ?? throw new ArgumentException("BaseAddress is required", nameof(options)),
            options.ApiKey ?? throw new ArgumentException("ApiKey is required", nameof(options)), options);

    private static string L(string line) => Uri.EscapeDataString(line);

    /// <summary>The key's name, site and role.</summary>
    public Task<Me> MeAsync(CancellationToken ct = default) => GetAsync<Me>("api/me", ct);

    public Task<IReadOnlyList<LineSummary>> ListLinesAsync(CancellationToken ct = default)
        => GetAsync<IReadOnlyList<LineSummary>>("api/lines", ct);

    public Task<LineDetail> GetLineAsync(string line, CancellationToken ct = default)
        => GetAsync<LineDetail>($"api/lines/{L(line)}", ct);

    public Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string line, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<VersionInfo>>($"api/lines/{L(line)}/versions", ct);

    /// <summary>Makes a registered version current (engineer).</summary>
    public Task<LineDetail> PromoteAsync(string line, string version, CancellationToken ct = default) =>
        SendJsonAsync<LineDetail>(HttpMethod.Post, $"api/lines/{L(line)}/promote", new { version }, ct);

    /// <summary>Returns to the previous current version (engineer).</summary>
    public Task<LineDetail> RollBackAsync(string line, CancellationToken ct = default) =>
        SendJsonAsync<LineDetail>(HttpMethod.Post, $"api/lines/{L(line)}/rollback", new { }, ct);

    /// <summary>Overrides the line's threshold; null returns to the model's (engineer).</summary>
    public Task<LineDetail> SetThresholdAsync(string line, double? threshold, CancellationToken ct = default) =>
        SendJsonAsync<LineDetail>(HttpMethod.Put, $"api/lines/{L(line)}/threshold", new { threshold }, ct);

    /// <summary>Inspects one image with the line's current version. The request carries a new idempotency key
    /// (<paramref name="requestKey"/> when given), so the pipeline may resend it after a cut connection or a 5xx: the
    /// gateway answers a resend with the inspection it recorded, never a second one.</summary>
    public async Task<Inspection> InspectAsync(string line, ImageFile image, CancellationToken ct = default,
        string? requestKey = null)
    {
        using var content = new ByteArrayContent(image.Bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(ContentType(image.Name));
        var request = new HttpRequestMessage(HttpMethod.Post,
            $"api/lines/{L(line)}/inspect?name={Uri.EscapeDataString(image.Name)}")
        {
            Content = content,
        };
        request.Headers.Add(RebResilience.IdempotencyKeyHeader, requestKey ?? Guid.NewGuid().ToString("N"));
        return await SendAsync<Inspection>(request, ct);
    }

    /// <summary>Inspects several images in one request; an unreadable image gets its reason, the others their
    /// results.</summary>
    public async Task<BatchResult> InspectBatchAsync(string line, IEnumerable<ImageFile> images,
        CancellationToken ct = default)
    {
        using var form = Multipart(images, "images");
        return await SendAsync<BatchResult>(new HttpRequestMessage(HttpMethod.Post,
            $"api/lines/{L(line)}/inspect/batch") { Content = form }, ct);
    }

    /// <summary>Starts training a new version of <paramref name="line"/> on uploaded good images (engineer).</summary>
    public async Task<TrainingStarted> StartTrainingAsync(string line, IEnumerable<ImageFile> goodImages,
        TrainingSettings? settings = null,
        CancellationToken ct = default)
    {
        using var form = Multipart(goodImages, "images");
        foreach (var (name, value) in Fields(settings ?? new TrainingSettings()))
            form.Add(new StringContent(value), name);
        return await SendAsync<TrainingStarted>(new HttpRequestMessage(HttpMethod.Post,
            $"api/lines/{L(line)}/training") { Content = form }, ct);
    }

    public Task<TrainingProgress> GetTrainingAsync(string jobId, CancellationToken ct = default) =>
        GetAsync<TrainingProgress>($"api/training/{Uri.EscapeDataString(jobId)}", ct);

    /// <summary>Cancels a training job before its next step (engineer).</summary>
    public Task<TrainingProgress> CancelTrainingAsync(string jobId, CancellationToken ct = default) =>
        SendAsync<TrainingProgress>(new HttpRequestMessage(HttpMethod.Delete,
            $"api/training/{Uri.EscapeDataString(jobId)}"), ct);

    /// <summary>
    /// The job's progress as the gateway streams it (server-sent events), until it completes, fails or is cancelled. A
    /// stream the gateway ends early (its lifetime) is reopened.
    /// </summary>
    public async IAsyncEnumerable<TrainingProgress> WatchTrainingAsync(string jobId,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        while (true)
        {
            using var request =
                new HttpRequestMessage(HttpMethod.Get, $"api/training/{Uri.EscapeDataString(jobId)}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await ThrowIfRefusedAsync(response, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
            {
                if (item.EventType != "progress") continue;
                var progress = JsonSerializer.Deserialize<TrainingProgress>(item.Data, Json)!;
                yield return progress;
                if (progress.IsFinished) yield break;
            }
        }
    }

    /// <summary>Waits for the job's end, reporting each progress event; throws when it failed or was
    /// cancelled.</summary>
    public async Task<TrainingProgress> WaitForTrainingAsync(string jobId, IProgress<TrainingProgress>? progress = null,
        CancellationToken ct = default)
    {
        await foreach (var p in WatchTrainingAsync(jobId, ct))
        {
            progress?.Report(p);
            if (!p.IsFinished) continue;
            if (p.Stage != "Completed")
                throw new InvalidOperationException($"training job {jobId} ended {p.Stage}: {p.Error}");
            return p;
        }
        throw new InvalidOperationException($"the progress stream of training job {jobId} ended without its end");
    }

    /// <summary>The line's inspections from the history, newest first.</summary>
    public Task<IReadOnlyList<HistoryInspection>> GetHistoryAsync(string line, HistoryQuery? query = null,
        CancellationToken ct = default)
    {
        var q = query ?? new HistoryQuery();
        var parts = new List<string>();
        if (q.From is { } from) parts.Add("from=" + Uri.EscapeDataString(from.UtcDateTime.ToString("O")));
        if (q.To is { } to) parts.Add("to=" + Uri.EscapeDataString(to.UtcDateTime.ToString("O")));
        if (q.Verdict is { } v) parts.Add("verdict=" + Uri.EscapeDataString(v));
        if (q.Review is { } r) parts.Add("review=" + Uri.EscapeDataString(r));
        if (q.Take is { } take) parts.Add("take=" + take);
        var path = $"api/lines/{L(line)}/inspections" + (parts.Count > 0 ? "?" + string.Join('&', parts) : "");
        return GetAsync<IReadOnlyList<HistoryInspection>>(path, ct);
    }

    /// <summary>Records an operator's review of an inspection's verdict.</summary>
    public Task<HistoryInspection> ReviewAsync(string line, string inspectionId, ReviewDecision decision,
        string? note = null,
        CancellationToken ct = default) =>
        SendJsonAsync<HistoryInspection>(HttpMethod.Post,
            $"api/lines/{L(line)}/inspections/{Uri.EscapeDataString(inspectionId)}/review",
            new { decision = decision == ReviewDecision.Confirm ? "confirm" : "overturn", note }, ct);

    /// <summary>Measured rates of the current version on reviewed parts and a suggested threshold.</summary>
    public Task<ReviewSummary> GetReviewSummaryAsync(string line, CancellationToken ct = default) =>
        GetAsync<ReviewSummary>($"api/lines/{L(line)}/review-summary", ct);

    private Task<T> GetAsync<T>(string path, CancellationToken ct)
        => SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    private Task<T> SendJsonAsync<T>(HttpMethod method, string path, object body, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, options: Json) }, ct);

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, ct);
            await ThrowIfRefusedAsync(response, ct);
            return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
        }
    }

    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string? title = response.ReasonPhrase, detail = null;
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String)
                title = t.GetString();
            if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                detail = d.GetString();
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page): keep the start of the body as the detail.
            detail = body.Length > 200 ? body[..200] : body;
        }
        var retry = response.Headers.RetryAfter;
        TimeSpan? retryAfter = retry?.Delta ?? (retry?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        throw new RebApiException((int)response.StatusCode, title, detail, retryAfter);
    }

    private static MultipartFormDataContent Multipart(IEnumerable<ImageFile> images, string field)
    {
        var form = new MultipartFormDataContent();
        foreach (var image in images)
        {
            var part = new ByteArrayContent(image.Bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(ContentType(image.Name));
            form.Add(part, field, image.Name);
        }
        return form;
    }

    private static IEnumerable<(string, string)> Fields(TrainingSettings s)
    {
        string I(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (s.ImageSize is { } size) yield return ("imageSize", I(size));
        if (s.K is { } k) yield return ("k", I(k));
        if (s.FitShards is { } fit) yield return ("fitShards", I(fit));
        if (s.CoresetRatio is { } coreset) yield return ("coresetRatio", I(coreset));
        if (s.Promote is { } promote) yield return ("promote", promote ? "true" : "false");
        if (s.Shards is { } shards) yield return ("shards", I(shards));
        if (s.Adapt is { } adapt) yield return ("adapt", adapt);
        if (s.Budget is { } budget) yield return ("budget", budget);
        if (s.AdaptGuard is { } guard) yield return ("adaptGuard", guard);
        if (s.Seed is { } seed) yield return ("seed", I(seed));
        if (s.AdaptRecipe is { } recipe) yield return ("adaptRecipe", recipe);
        if (s.Resize is { } resize) yield return ("resize", resize);
        if (s.Search is { } search) yield return ("search", search);
    }

    /// <summary>The image's media type from its extension (the gateway reads the header anyway).</summary>
    public static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".bmp" => "image/bmp",
        _ => "image/png",
    };

    public void Dispose()
    {
        if (_ownsHttp) http.Dispose();
    }
}
