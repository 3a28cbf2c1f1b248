using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace Reb.Cli.Commands.Soak;

/// <summary>One inspection of the soak: when it started, its line, the silo it was sent to, HTTP status (0 = no
/// answer), latency, whether a refusal carried Retry-After and whether it was a cold line's first inspection.</summary>
public sealed record SoakRequest(double StartSeconds, string Line, int Silo, int Status, double Ms, bool RetryAfter, bool ColdWake,
    string? NoAnswer = null);

/// <summary>
/// Closed-loop clients: each picks a line at random (its own seed), posts one of that line's images to
/// <c>POST /api/lines/{line}/inspect</c> on one silo's gateway, waits for the answer and goes on. A client whose silo
/// gives no HTTP answer moves to the next silo; refusals with Retry-After are honoured (at most 2 s).
/// </summary>
public sealed class SoakTraffic(SoakSettings settings, SoakSilos silos, IReadOnlyList<SoakLine> lines, SoakMonitor monitor, Stopwatch clock)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(2);

    public ConcurrentQueue<SoakRequest> Requests { get; } = new();

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add("X-Api-Key", silos.AdminKey);
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(c => Task.Run(() => Client(http, c, stop), CancellationToken.None)));
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
            int status = 0, sentTo = silo;
            string? noAnswer = null;
            TimeSpan? retryAfter = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                using var content = new ByteArrayContent(image.Bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(Reb.Client.RebClient.ContentType(image.Name));
                var target = new Uri(silos.Http(silo), $"api/lines/{Uri.EscapeDataString(line.Name)}/inspect?name={Uri.EscapeDataString(image.Name)}");
                using var response = await http.PostAsync(target, content, timeout.Token);
                await response.Content.ReadAsByteArrayAsync(timeout.Token);
                status = (int)response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (OperationCanceledException) { noAnswer = "timeout"; } // no answer within the request timeout: status 0
            catch (HttpRequestException e)
            {
                noAnswer = e.HttpRequestError.ToString();
                silo = (silo + 1) % silos.Ports.Count; // this silo is gone: the next one
            }
            Requests.Enqueue(new SoakRequest(start, line.Name, sentTo, status, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, retryAfter is not null, cold && status == 200, noAnswer));
            var pause = retryAfter is { } wait ? (wait < MaxRetryAfter ? wait : MaxRetryAfter) : status is 200 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(100);
            if (pause > TimeSpan.Zero)
                try { await Task.Delay(pause, stop); } catch (OperationCanceledException) { return; }
        }
    }
}
