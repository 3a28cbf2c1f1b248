using System.Diagnostics;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Imaging;
using Reb.Gateway.Errors;
using Reb.Gateway.Imaging;
using Reb.Gateway.Verdicts;
using Reb.Storage;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>
/// One inspection: header check (pixel limit) -> decode (a bad image is a 400 before the cluster is asked) -> score
/// through the stateless scoring grain with the line's current version, retrying transient cluster failures (the
/// same call <see cref="Reb.Abstractions.Client.RebClusterClient.ScoreAsync"/> makes) -> verdict against the line's
/// effective threshold -> overlay -> the image (every reject, a sample of accepts) in the artefact store -> the row in
/// the inspection history -> the verdict outboxes of the site's plant systems -> the live view's ring. The row is
/// written before the answer: an inspection the plant was told about is in the database even if this silo dies the
/// next moment (a failed write fails the request instead).
/// </summary>
public sealed class InspectionService(LineService lines, IOptions<GatewayOptions> options, InspectionRecorder recorder,
    VerdictPublisher verdicts)
{
    public async Task<Inspection> InspectAsync(LineContext line, UploadedImage image, CancellationToken ct)
    {
        var o = options.Value;
        UploadedImages.CheckHeader(image, o);
        var decoded = ImageLoader.Decode(image.Bytes, image.Name, o.MaxImagePixels);
        var version = line.Status.Current
                      ?? throw GatewayProblem.Conflict($"line '{line.Line}' has no current model version (train one or promote a registered one)");
        var watch = Stopwatch.StartNew();
        // The verdict is the scoring grain's (against the line's override, else the model's threshold): never decided
        // here.
        var request = Reb.Abstractions.Client.RebClusterClient.ScoreRequestFor(line.Line, line.Status, line.Settings, image.Bytes, image.Name);
        var result = await lines.Cluster.ScoreAsync(request, ct);
        var latencyMs = watch.Elapsed.TotalMilliseconds;

        var model = await lines.ModelAsync(version, ct);
        var threshold = result.Threshold;
        bool reject = result.Reject;
        var (overlay, thumbnail) = OverlayImages.Render(decoded, result, model, threshold, reject, image.Name);
        var record = new InspectionRecord(Guid.NewGuid().ToString("N")[..16], line.Line, image.Name, version, result.Score, reject,
            threshold, latencyMs, DateTimeOffset.UtcNow);
        await RecordInHistoryAsync(line, image, record, overlay, ct);
        // On disk before the answer, like the history row: a verdict the plant was told about reaches its sinks even if
        // this process dies next; delivery itself runs in the background.
        verdicts.Publish(new VerdictEvent(record.Id, line.Line, line.Settings.EffectiveSite, record.Score, threshold,
            reject ? "reject" : "good", version, image.Name, record.TimestampUtc));
        await lines.Cluster.RetryAsync(async () =>
        {
            await lines.Grains.GetGrain<IInspectionLogGrain>(line.Line).Record(record, overlay, thumbnail);
            return true;
        }, ct);

        var lineTag = new KeyValuePair<string, object?>("line", line.Line);
        GatewayTelemetry.Inspections.Add(1, lineTag, new KeyValuePair<string, object?>("verdict", reject ? "reject" : "good"));
        GatewayTelemetry.InspectionLatency.Record(latencyMs, lineTag);
        return Inspection.From(record);
    }

    private Task RecordInHistoryAsync(LineContext line, UploadedImage image, InspectionRecord r, byte[] overlay, CancellationToken ct) =>
        recorder.RecordAsync(new InspectionEntry(r.Id, line.Settings.EffectiveSite, line.Line, r.Version, r.Score, r.Reject, r.Threshold,
            r.LatencyMs, r.TimestampUtc, r.Name), image.Bytes, overlay, ct);
}
