using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace Reb.Cli.Commands.Soak;

/// <summary>One inspection of the soak: when it started, its line, the silo that answered (or was last asked), HTTP
/// status (0 = no answer), latency over all sends, whether a refusal carried Retry-After, whether it was a cold line's
/// first inspection, why the last send got no answer, and how often it was sent again to the next silo after a cut
/// connection (and whether the answer was the recorded inspection of an earlier send).</summary>
public sealed record SoakRequest(double StartSeconds, string Line, int Silo, int Status, double Ms, bool RetryAfter,
    bool ColdWake,
    string? NoAnswer = null, int Resends = 0, bool Replayed = false);

/// <summary>
/// Closed-loop clients: each picks a line at random (its own seed), posts one of that line's images to
/// <c>POST /api/lines/{line}/inspect</c> on one silo's gateway, waits for the answer and goes on. Each inspection
/// carries an idempotency key, as the plant client's do: when a silo cuts the connection (it died mid-request), the
/// client sends the same inspection with the same key to the next silo at once, which answers the inspection if the
/// dead one had recorded it and inspects it otherwise (at most one resend per silo). Refusals with Retry-After are
/// honoured (at most 2 s).
/// </summary>
public sealed class SoakTraffic(SoakSettings settings, SoakSilos silos, IReadOnlyList<SoakLine> lines,
    SoakMonitor monitor, Stopwatch clock)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(2);

    public ConcurrentQueue<SoakRequest> Requests { get; } = new();

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add("X-Api-Key", silos.AdminKey);
        await Task.WhenAll(Enumerable.Range(0, settings.Clients)
            .Select(c => Task.Run(() => Client(http, c, stop), CancellationToken.None)));
    }

    private async Task Client(HttpClient http, int id, CancellationToken stop)
    {
        var random = new Random(id + 1);
        int silo = id % silos.Ports.Count;
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            var line = lines[random.Next(lines.Count)];
            var image = line.Images[n % line.Images.Count];
            bool cold = monitor.ClaimColdWake(line.Name);
            double start = clock.Elapsed.TotalSeconds;
            long t0 = Stopwatch.GetTimestamp();
            int status = 0, sentTo = silo, resends = 0;
            bool replayed = false;
            string? noAnswer = null;
            TimeSpan? retryAfter = null;
            var key = $"{silos.ClusterId}-{id}-{n}";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(RequestTimeout);
            for (int send = 0; ; send++)
            {
                sentTo = silo;
                noAnswer = null;
                try
                {
                    using var content = new ByteArrayContent(image.Bytes);
                    content.Headers.ContentType =
                        new MediaTypeHeaderValue(Reb.Client.RebClient.ContentType(image.Name));
                    var target = new Uri(silos.Http(silo),
                        $"api/lines/{Uri.EscapeDataString(line.Name)}/inspect?name={Uri.EscapeDataString(image.Name)}");
                    using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = content };
                    request.Headers.Add(Reb.Client.RebResilience.IdempotencyKeyHeader, key);
                    using var response = await http.SendAsync(request, timeout.Token);
                    await response.Content.ReadAsByteArrayAsync(timeout.Token);
                    status = (int)response.StatusCode;
                    retryAfter = response.Headers.RetryAfter?.Delta;
                    replayed = response.Headers.Contains("Idempotent-Replayed");
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                // no answer within the request timeout: status 0
                catch (OperationCanceledException) { noAnswer = "timeout"; break; }
                catch (HttpRequestException e)
                {
                    noAnswer = e.HttpRequestError.ToString();
                    silo = (silo + 1) % silos.Ports.Count; // this silo is gone: the next one, with the same key
                    if (send + 1 >= silos.Ports.Count) break;
                    resends++;
                }
            }
            Requests.Enqueue(new SoakRequest(start, line.Name, sentTo, status,
                Stopwatch.GetElapsedTime(t0).TotalMilliseconds, retryAfter is not null,
                cold && status == 200, noAnswer, resends, replayed));
            var pause = retryAfter is { } wait ? (wait < MaxRetryAfter ? wait : MaxRetryAfter) : status is 200
                ? TimeSpan.Zero : TimeSpan.FromMilliseconds(100);
            if (pause > TimeSpan.Zero)
                try { await Task.Delay(pause, stop); } catch (OperationCanceledException) { return; }
        }
    }
}
