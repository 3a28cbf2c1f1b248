using System.Diagnostics;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Imaging;
using Reb.Gateway.Errors;
using Reb.Gateway.Imaging;

namespace Reb.Gateway.Lines;

/// <summary>
/// One inspection: header check (pixel limit) -> decode (a bad image is a 400 before the cluster is asked) -> score
/// through the stateless scoring grain with the line's current version, retrying transient cluster failures (the
/// same call <see cref="Reb.Abstractions.Client.RebClusterClient.ScoreAsync"/> makes) -> verdict against the line's
/// effective threshold -> overlay -> recorded in the line's inspection log.
/// </summary>
public sealed class InspectionService(LineService lines, IOptions<GatewayOptions> options)
{
    public async Task<Inspection> InspectAsync(LineContext line, UploadedImage image, CancellationToken ct)
    {
        var o = options.Value;
        UploadedImages.CheckHeader(image, o);
        var decoded = ImageLoader.Decode(image.Bytes, image.Name, o.MaxImagePixels);
        var version = line.Status.Current
                      ?? throw GatewayProblem.Conflict($"line '{line.Line}' has no current model version (train one or promote a registered one)");
        var watch = Stopwatch.StartNew();
        // The verdict is the scoring grain's (against the line's override, else the model's threshold): never decided here.
        var request = Reb.Abstractions.Client.RebClusterClient.ScoreRequestFor(line.Line, line.Status, line.Settings, image.Bytes, image.Name);
        var result = await lines.Cluster.ScoreAsync(request, ct);
        var latencyMs = watch.Elapsed.TotalMilliseconds;

        var model = await lines.ModelAsync(version, ct);
        var threshold = result.Threshold;
        bool reject = result.Reject;
        var (overlay, thumbnail) = OverlayImages.Render(decoded, result, model, threshold, reject, image.Name);
        var record = new InspectionRecord(Guid.NewGuid().ToString("N")[..16], line.Line, image.Name, version, result.Score, reject,
            threshold, latencyMs, DateTimeOffset.UtcNow);
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
}
