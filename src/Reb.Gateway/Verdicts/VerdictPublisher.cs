using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Reb.Gateway.Verdicts;

/// <summary>
/// Sends every inspection's verdict to its site's sinks. <see cref="Publish"/> only appends the event to each sink's
/// on-disk outbox (the inspection answer never waits for a broker); one background loop per sink delivers the outbox in
/// order, retrying with backoff while the sink is down, and removes an event only once the sink has taken it.
/// </summary>
public sealed class VerdictPublisher : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, List<SinkChannel>> _bySite = new(StringComparer.Ordinal);
    private readonly VerdictOptions _options;
    private readonly ILogger<VerdictPublisher> _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private int _disposed;

    private sealed record SinkChannel(string Site, IVerdictSink Sink, VerdictOutbox Outbox);

    public VerdictPublisher(IOptions<VerdictOptions> options, ILogger<VerdictPublisher> log)
    {
        _options = options.Value;
        _log = log;
        foreach (var (site, sinks) in _options.Sites)
        {
            var channels = new List<SinkChannel>();
            if (sinks.Mqtt is { } mqtt) channels.Add(Open(site, new MqttVerdictSink(site, mqtt)));
            if (sinks.Webhook is { } webhook) channels.Add(Open(site, new WebhookVerdictSink(webhook)));
            if (channels.Count > 0) _bySite[site] = channels;
        }
    }

    private SinkChannel Open(string site, IVerdictSink sink)
    {
        var outbox =
            VerdictOutbox.Open(Path.Combine(_options.ResolvedOutboxFolder, site, sink.Kind), _options.OutboxMaxBytes,
            _options.SegmentBytes);
        VerdictTelemetry.Track(outbox, site, sink.Kind);
        if (outbox.Count > 0) _log.LogInformation("verdict outbox {Site}/{Sink}: {Count} events from before the " +
            "restart to deliver", site, sink.Kind, outbox.Count);
        return new SinkChannel(site, sink, outbox);
    }

    /// <summary>Appends the verdict to the outbox of each sink of its site (none configured: nothing to do). A full
    /// outbox refuses it: logged as an error and counted, the inspection itself stands.</summary>
    public void Publish(VerdictEvent verdict)
    {
        if (!_bySite.TryGetValue(verdict.Site, out var channels)) return;
        var payload = verdict.ToJson();
        foreach (var c in channels)
        {
            if (c.Outbox.TryAppend(payload)) continue;
            VerdictTelemetry.Refused.Add(1, VerdictTelemetry.Tags(c.Site, c.Sink.Kind));
            _log.LogError("verdict outbox {Site}/{Sink} is full ({Bytes} bytes, {Count} events undelivered; limit " +
                "{Max} bytes): " +
                          "verdict of inspection {Id} on line {Line} was not queued for this sink",
                c.Site, c.Sink.Kind, c.Outbox.Bytes, c.Outbox.Count, _options.OutboxMaxBytes, verdict.InspectionId,
                verdict.Line);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var c in _bySite.Values.SelectMany(v => v))
            _loops.Add(Task.Run(() => DeliverAsync(c, _stopping.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    private async Task DeliverAsync(SinkChannel c, CancellationToken ct)
    {
        var tags = VerdictTelemetry.Tags(c.Site, c.Sink.Kind);
        var wait = TimeSpan.FromSeconds(_options.RetryMinSeconds);
        bool failing = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var entry = await c.Outbox.PeekAsync(ct);
                await c.Sink.DeliverAsync(entry.Payload, ct);
                c.Outbox.Acknowledge(entry);
                VerdictTelemetry.Delivered.Add(1, tags);
                if (failing) _log.LogInformation("verdict sink {Site}/{Sink} delivers again; {Count} events waiting",
                    c.Site, c.Sink.Kind, c.Outbox.Count);
                failing = false;
                wait = TimeSpan.FromSeconds(_options.RetryMinSeconds);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                VerdictTelemetry.Failures.Add(1, tags);
                // One warning per outage, not one per retry.
                if (!failing) _log.LogWarning(e, "verdict sink {Site}/{Sink} is unreachable; events wait in the " +
                    "outbox ({Count})", c.Site, c.Sink.Kind, c.Outbox.Count);
                failing = true;
                try { await Task.Delay(wait, ct); } catch (OperationCanceledException) { break; }
                wait = TimeSpan.FromSeconds(Math.Min(wait.TotalSeconds * 2, _options.RetryMaxSeconds));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as a singleton and as a hosted service: the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var c in _bySite.Values.SelectMany(v => v))
        {
            VerdictTelemetry.Untrack(c.Outbox);
            c.Outbox.Dispose();
            await c.Sink.DisposeAsync();
        }
        _stopping.Dispose();
    }
}
