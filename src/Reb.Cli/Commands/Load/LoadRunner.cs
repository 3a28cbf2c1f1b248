using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Reb.Cli.Commands.Load;

/// <summary>
/// Closed-loop load: <see cref="LoadSettings.Clients"/> clients each post one image to
/// <c>POST /api/lines/{line}/inspect</c>, wait for the answer, post the next (cycling through the images), until the
/// duration or the request budget is used up. Refusals with Retry-After are honoured (capped), never retried at once.
/// With several endpoints (one per silo) the clients spread over them and fail over when one gives no HTTP answer.
/// </summary>
public sealed class LoadRunner(LoadSettings settings, IReadOnlyList<LoadImage> images, HttpMessageHandler? handler = null)
{
    /// <summary>Called once, <see cref="Event"/> seconds after the start (e.g. kill a silo); its failure is reported,
    /// not thrown.</summary>
    public (TimeSpan After, string Name, Func<Task> Action)? Event { get; init; }

    public async Task<LoadReport> RunAsync(CancellationToken ct = default)
    {
        settings.Validated();
        if (images.Count == 0) throw new ArgumentException("no images to send");
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan; // per request below: a timeout must be told apart from the run's end
        http.DefaultRequestHeaders.Add("X-Api-Key", settings.ApiKey);
        var path = $"api/lines/{Uri.EscapeDataString(settings.Line)}/inspect";

        var samples = new ConcurrentBag<LoadSample>();
        int started = 0;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(settings.Duration);

        string? eventNote = null;
        double? eventAt = null;
        var eventTask = Event is { } ev
            ? Task.Run(async () =>
            {
                try { await Task.Delay(ev.After, stop.Token); }
                catch (OperationCanceledException) { eventNote = $"{ev.Name}: not reached (run ended first)"; return; }
                eventAt = clock.Elapsed.TotalSeconds;
                try { await ev.Action(); eventNote = $"{ev.Name} at {eventAt:0.0} s"; }
                catch (Exception e) { eventNote = $"{ev.Name} failed: {e.Message}"; }
            }, CancellationToken.None)
            : Task.CompletedTask;

        var endpoints = settings.Endpoints;
        async Task Client(int id)
        {
            int endpoint = id % endpoints.Count; // clients spread over the endpoints
            for (int i = id; !stop.IsCancellationRequested; i += settings.Clients)
            {
                if (Interlocked.Increment(ref started) > settings.MaxRequests) return;
                var image = images[i % images.Count];
                var sample = await SendAsync(http, new Uri(endpoints[endpoint], path), image, clock, ct);
                // No HTTP answer at all (refused/reset) from one of several endpoints: resend to the next one and stay
                // there.
                for (int tries = 1; sample.Sample is { Outcome: LoadOutcome.HardError, Status: 0 } && tries < endpoints.Count; tries++)
                {
                    samples.Add(sample.Sample with { Outcome = LoadOutcome.FailedOver });
                    endpoint = (endpoint + 1) % endpoints.Count;
                    sample = await SendAsync(http, new Uri(endpoints[endpoint], path), image, clock, ct);
                }
                samples.Add(sample.Sample);
                if (sample.RetryAfter is { } wait)
                {
                    try { await Task.Delay(wait < settings.MaxRetryAfter ? wait : settings.MaxRetryAfter, stop.Token); }
                    catch (OperationCanceledException) { return; }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(c => Task.Run(() => Client(c), CancellationToken.None)));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await eventTask;
        return LoadReport.From(settings, samples.OrderBy(s => s.StartSeconds).ToList(), elapsed, images.Count, eventAt, eventNote);
    }

    private async Task<(LoadSample Sample, TimeSpan? RetryAfter)> SendAsync(HttpClient http, Uri target, LoadImage image, Stopwatch clock, CancellationToken ct)
    {
        double start = clock.Elapsed.TotalSeconds;
        long t0 = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(image.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(image.ContentType);
            using var response = await http.PostAsync($"{target}?name={Uri.EscapeDataString(image.Name)}", content, timeout.Token);
            await response.Content.ReadAsByteArrayAsync(timeout.Token); // the whole answer is part of the latency
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (new LoadSample(start, ms, LoadOutcome.Ok, status, null), null);
            var retryAfter = RetryAfter(response);
            bool retryable = retryAfter is not null && status is 429 or 503;
            // A hard error answered at once would otherwise turn the closed loop into a flood of that error.
            return (new LoadSample(start, ms, retryable ? LoadOutcome.Retryable : LoadOutcome.HardError, status, null),
                retryable ? retryAfter : HardErrorPause);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (new LoadSample(start, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LoadOutcome.Hung, 0, "timeout"), null);
        }
        catch (HttpRequestException e)
        {
            // No HTTP answer (refused, reset): a hard error.
            var sample = new LoadSample(start, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LoadOutcome.HardError, 0,
                e.HttpRequestError.ToString());
            return (sample, HardErrorPause);
        }
    }

    /// <summary>Pause of a client after a hard error (an error status or no answer).</summary>
    public static readonly TimeSpan HardErrorPause = TimeSpan.FromMilliseconds(100);

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } d) return d;
        if (h?.Date is { } date) return date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        return null;
    }
}
