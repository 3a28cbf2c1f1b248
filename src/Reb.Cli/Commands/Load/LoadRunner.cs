using System.Collections.Concurrent;
using System.Diagnostics;
using Reb.Client;

namespace Reb.Cli.Commands.Load;

/// <summary>
/// Closed-loop load: <see cref="LoadSettings.Clients"/> clients each post one image to
/// <c>POST /api/lines/{line}/inspect</c>, wait for the answer, post the next (cycling through the images), until the
/// duration or the request budget is used up, through the typed client (<see cref="RebClient"/> over a plain HttpClient
/// without the retry pipeline: each send is measured once). Refusals with Retry-After are honoured (capped), never
/// retried at once. With several endpoints (one per silo) the clients spread over them and fail over when one gives no
/// HTTP answer.
/// </summary>
public sealed class LoadRunner(LoadSettings settings, IReadOnlyList<LoadImage> images,
    HttpMessageHandler? handler = null)
{
    /// <summary>Called once, <see cref="Event"/> seconds after the start (e.g. kill a silo); its failure is reported,
    /// not thrown.</summary>
    public (TimeSpan After, string Name, Func<Task> Action)? Event { get; init; }

    public async Task<LoadReport> RunAsync(CancellationToken ct = default)
    {
        settings.Validated();
        if (images.Count == 0) throw new ArgumentException("no images to send");
        using var shared = handler is null ? new SocketsHttpHandler() : null;
        var clients = settings.Endpoints.Select(endpoint =>
        {
            // Per request below: a timeout must be told apart from the run's end.
            var http = new HttpClient(handler ?? shared!, disposeHandler: false)
            {
                BaseAddress = endpoint,
                Timeout = Timeout.InfiniteTimeSpan
            };
            http.DefaultRequestHeaders.Add(RebClient.ApiKeyHeader, settings.ApiKey);
            return new RebClient(http);
        }).ToList();

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
                var sample = await SendAsync(clients[endpoint], image, clock, ct);
                // No HTTP answer at all (refused/reset) from one of several endpoints: resend to the next one and stay
                // there.
                for (int tries = 1; sample.Sample is { Outcome: LoadOutcome.HardError, Status: 0 }
                    && tries < endpoints.Count; tries++)
                {
                    samples.Add(sample.Sample with { Outcome = LoadOutcome.FailedOver });
                    endpoint = (endpoint + 1) % endpoints.Count;
                    sample = await SendAsync(clients[endpoint], image, clock, ct);
                }
                samples.Add(sample.Sample);
                if (sample.RetryAfter is { } wait)
                {
                    try { await Task.Delay(wait < settings.MaxRetryAfter ? wait : settings.MaxRetryAfter, stop.Token); }
                    catch (OperationCanceledException) { return; }
                }
            }
        }

        try { await Task.WhenAll(Enumerable.Range(0, settings.Clients)
            .Select(c => Task.Run(() => Client(c), CancellationToken.None))); }
        finally { clients.ForEach(c => c.Dispose()); }
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await eventTask;
        return LoadReport.From(settings, samples.OrderBy(s => s.StartSeconds).ToList(), elapsed, images.Count, eventAt,
            eventNote);
    }

    private async Task<(LoadSample Sample, TimeSpan? RetryAfter)> SendAsync(RebClient client, LoadImage image,
        Stopwatch clock, CancellationToken ct)
    {
        double start = clock.Elapsed.TotalSeconds;
        long t0 = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.RequestTimeout);
        try
        {
            // The whole answer (read and parsed by the client) is part of the latency.
            await client.InspectAsync(settings.Line, new ImageFile(image.Name, image.Bytes), timeout.Token);
            return (new LoadSample(start, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LoadOutcome.Ok, 200, null),
                null);
        }
        catch (RebApiException e)
        {
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            bool retryable = e.RetryAfter is not null && e.Status is 429 or 503;
            // A hard error answered at once would otherwise turn the closed loop into a flood of that error.
            return (new LoadSample(start, ms, retryable ? LoadOutcome.Retryable : LoadOutcome.HardError, e.Status,
                null),
                retryable ? (e.RetryAfter < TimeSpan.Zero ? TimeSpan.Zero : e.RetryAfter) : HardErrorPause);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (new LoadSample(start, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LoadOutcome.Hung, 0,
                "timeout"), null);
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
}
