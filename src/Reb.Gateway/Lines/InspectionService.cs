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
    VerdictPublisher verdicts, IInspectionHistory history)
{
    /// <summary>
    /// An inspection the client may send again (its connection cut by a silo that died, a reply lost): the client's
    /// request key names the inspection (<see cref="RequestKeys.InspectionId"/>), and a key the history already holds
    /// answers with that inspection instead of inspecting and recording the part twice. Replayed is true then. Two
    /// sends of one key at the same moment: the second insert of the id fails and the one recorded is answered.
    /// The verdict is published to the plant's outboxes by the first send only.
    /// </summary>
    public async Task<(Inspection Inspection, bool Replayed)> InspectOnceAsync(LineContext line, UploadedImage image,
        string requestKey, CancellationToken ct)
    {
        var site = line.Settings.EffectiveSite;
        var id = RequestKeys.InspectionId(site, line.Line, requestKey);
        if (await history.GetAsync(site, line.Line, id, ct) is { } earlier) return (Replay(earlier), true);
        try
        {
            return (await InspectAsync(line, image, ct, id), false);
        }
        catch (System.Data.Common.DbException)
        {
            // The id's row went in meanwhile (the same key sent twice at once): that one is the answer.
            if (await history.GetAsync(site, line.Line, id, CancellationToken.None) is { } recorded)
                return (Replay(recorded), true);
            throw;
        }
    }

    private static Inspection Replay(InspectionEntry e) => Inspection.From(new InspectionRecord(e.Id, e.Line,
        e.ImageName ?? "", e.Version, (float)e.Score, e.Reject, e.Threshold, e.LatencyMs, e.TimeUtc));

    public async Task<Inspection> InspectAsync(LineContext line, UploadedImage image, CancellationToken ct,
        string? id = null)
    {
        var o = options.Value;
        UploadedImages.CheckHeader(image, o);
        var decoded = ImageLoader.Decode(image.Bytes, image.Name, o.MaxImagePixels);
        var version = line.Status.Current
                      ?? throw GatewayProblem.Conflict(
                          $"line '{line.Line}' has no current model version (train one or promote a registered one)");
        var watch = Stopwatch.StartNew();
        // The verdict is the scoring grain's (against the line's override, else the model's threshold): never decided
        // here.
        var request = Reb.Abstractions.Client.RebClusterClient.ScoreRequestFor(line.Line, line.Status, line.Settings,
            image.Bytes, image.Name);
        var result = await lines.Cluster.ScoreAsync(request, ct);
        var latencyMs = watch.Elapsed.TotalMilliseconds;

        var model = await lines.ModelAsync(version, ct);
        var threshold = result.Threshold;
        bool reject = result.Reject;
        var (overlay, thumbnail) = OverlayImages.Render(decoded, result, model, threshold, reject, image.Name);
        var record = new InspectionRecord(id ?? Guid.NewGuid().ToString("N")[..16], line.Line, image.Name, version,
            result.Score, reject,
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
        GatewayTelemetry.Inspections.Add(1, lineTag,
            new KeyValuePair<string, object?>("verdict", reject ? "reject" : "good"));
        GatewayTelemetry.InspectionLatency.Record(latencyMs, lineTag);
        return Inspection.From(record);
    }

    private Task RecordInHistoryAsync(LineContext line, UploadedImage image, InspectionRecord r, byte[] overlay,
        CancellationToken ct) =>
        recorder.RecordAsync(new InspectionEntry(r.Id, line.Settings.EffectiveSite, line.Line, r.Version, r.Score,
            r.Reject, r.Threshold,
            r.LatencyMs, r.TimestampUtc, r.Name), image.Bytes, overlay, ct);
}
