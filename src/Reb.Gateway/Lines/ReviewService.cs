using Reb.Core.Review;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Calibration;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Gateway.Errors;
using Reb.Storage;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>
/// What reviews teach a line: overturned rejects added to the bank as a new version (never promoted here:
/// promotion stays a person's decision), a candidate version compared with the current one on the reviewed images, and
/// the measured rates with a suggested threshold.
/// </summary>
public sealed class ReviewService(LineService lines, IInspectionHistory history, IArtefactStore store)
{
    /// <summary>Reviewed images a comparison scores at most (newest first).</summary>
    public const int MaxCompared = 200;

    /// <summary>Reviewed images a comparison scores at the same time.</summary>
    public const int CompareConcurrency = 4;

    /// <summary>How often a waiting bank-update request asks its job how far it is.</summary>
    public static readonly TimeSpan BankUpdatePoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Checks the reviewed images against the history, then forwards the update to the line's bank-update job in the
    /// cluster (<see cref="IBankUpdateGrain"/>: one per line, whichever gateway asked; the same update asked twice
    /// joins the running job) and waits for it. The job keeps running if this request goes away.
    /// </summary>
    public async Task<BankAddResult> AddToBankAsync(LineContext l, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var site = l.Settings.EffectiveSite;
        var version = l.Status.Current ?? throw GatewayProblem.Conflict(
            $"line '{l.Line}' has no model version to add images to: train or publish one first");
        if (ids.Count == 0) throw GatewayProblem.BadRequest(
            "send {\"inspections\": [\"<inspection id>\", ...]}: the overturned rejects to add");
        if (ids.Count > 500) throw GatewayProblem.BadRequest($"at most 500 images per bank update, got {ids.Count}");
        var distinct = ids.Distinct().ToList();
        var keys = new List<string>();
        foreach (var id in distinct)
        {
            var e = await history.GetAsync(site, l.Line, id, ct) ?? throw GatewayProblem.UnknownInspection(l.Line, id);
            if (e.IsDefect != false)
                throw GatewayProblem.BadRequest($"inspection '{id}' is not a reviewed good part (its review is " +
                    $"'{InspectionCsv.ReviewName(e.Review)}' of a " +
                                                $"{(e.Reject ? "reject" : "good verdict")}): only good parts go into " +
                                                "the bank; overturn the reject first");
            // Checked here so the caller hears which one; the job reads them again (and fails if retention removed
            // one since).
            await using var image = e.ImageKey is { } key ? await store.GetAsync(key, ct) : null;
            if (image is null) throw GatewayProblem.Conflict(
                $"inspection '{id}' has no stored image (not sampled, or removed by retention)");
            keys.Add(e.ImageKey!);
        }

        var job = lines.Grains.GetGrain<IBankUpdateGrain>(l.Line);
        var status = await job.Start(new BankUpdateRequest(l.Line, site, version, distinct, keys));
        while (!status.Progress.IsFinished)
        {
            await Task.Delay(BankUpdatePoll, ct);
            status = await job.GetStatus();
        }
        if (status.Refused) throw GatewayProblem.Conflict(status.Progress.Error!);
        if (status.Outcome is not { } done || status.Progress.Stage != TrainingStage.Completed)
            throw new InvalidOperationException($"bank update of line '{l.Line}' failed: {status.Progress.Error}");
        await history.MarkBankedAsync(site, l.Line, distinct, done.Version, ct);
        return new BankAddResult(l.Line, version, done.Version, done.Added, done.ThresholdBefore, done.ThresholdAfter,
            done.RowsBefore,
            done.RowsAfter, false, "registered, not promoted: compare it on the reviewed images (GET " +
            ".../compare?version=...) and promote it if it is better")
        { Warning = done.Warning };
    }

    public async Task<VersionComparison> CompareAsync(LineContext l, string candidate, CancellationToken ct)
    {
        var current = l.Status.Current
            ?? throw GatewayProblem.Conflict($"line '{l.Line}' has no current version to compare with");
        if (l.Status.Versions.All(v => v.Version != candidate))
            throw GatewayProblem.NotFound($"version '{candidate}' is not registered for line '{l.Line}'");
        var reviewed = await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line,
            Review: ReviewFilter.Reviewed,
            Limit: MaxCompared, WithImageOnly: true), ct);
        // Several images at once: scoring workers are stateless grains spread over the silos, so a cluster compares
        // its reviewed set about as many times faster as it has silos (one at a time, 200 images took minutes).
        var slots = new (ComparedImage Image, double Current, double Candidate)?[reviewed.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, reviewed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CompareConcurrency, CancellationToken = ct },
            async (i, token) =>
            {
                var e = reviewed[i];
                var bytes = await store.GetBytesAsync(e.ImageKey!, token);
                if (bytes is null) return; // removed by retention since the query
                var a = await lines.Cluster.ScoreAsync(new ScoreRequest(l.Line, current, l.Status.Shards, bytes, e.Id,
                    l.Settings.ThresholdOverride), token);
                var b = await lines.Cluster.ScoreAsync(new ScoreRequest(l.Line, candidate, l.Status.Shards, bytes, e.Id,
                    l.Settings.ThresholdOverride), token);
                slots[i] = (new ComparedImage(e.Id, e.IsDefect!.Value, a.Score, a.Reject, b.Score, b.Reject),
                    a.Threshold, b.Threshold);
            });
        var done = slots.Where(x => x is not null).Select(x => x!.Value).ToList(); // newest first, as queried
        var images = done.Select(x => x.Image).ToList();
        double currentThreshold = done.Count > 0 ? done[^1].Current : 0,
            candidateThreshold = done.Count > 0 ? done[^1].Candidate : 0;
        if (images.Count == 0)
        {
            currentThreshold = LineService.EffectiveThreshold(l.Settings, await lines.ModelAsync(current, ct)) ?? 0;
            candidateThreshold = LineService.EffectiveThreshold(l.Settings, await lines.ModelAsync(candidate, ct)) ?? 0;
        }
        return new VersionComparison(l.Line, Rates(current, currentThreshold, images, i => i.CurrentReject),
            Rates(candidate, candidateThreshold, images, i => i.CandidateReject), images,
            images.Count == 0 ? "no reviewed inspection with a stored image yet: review some first"
                : $"both versions scored the same {images.Count} reviewed images (newest first, at most " +
                $"{MaxCompared}); promotion is your decision");
    }

    private static VersionRates Rates(string version, double threshold, IReadOnlyList<ComparedImage> images,
        Func<ComparedImage, bool> reject)
    {
        int good = images.Count(i => !i.Defect), defects = images.Count(i => i.Defect);
        int falseRejects = images.Count(i => !i.Defect && reject(i)),
            escapes = images.Count(i => i.Defect && !reject(i));
        return new VersionRates(version, threshold, good, defects, falseRejects, escapes,
            good == 0 ? null : (double)falseRejects / good, defects == 0 ? null : (double)escapes / defects);
    }

    /// <summary>Reviews of the current version's inspections: measured rates at the effective threshold and a suggested
    /// one.</summary>
    public async Task<ReviewSummary> SummaryAsync(LineContext l, CancellationToken ct)
    {
        if (l.Status.Current is not { } version)
            return new ReviewSummary(l.Line, null, 0, 0, 0, 0, null, null, null, null, "no current version");
        var threshold = LineService.EffectiveThreshold(l.Settings, await lines.ModelAsync(version, ct))
            ?? double.PositiveInfinity;
        var (good, defects) = await LabelledScoresAsync(l, version, ct);
        var pending = (await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line,
            Review: ReviewFilter.None, Limit: 10_000), ct))
            .Count(e => e.Version == version);
        return new ReviewSummary(l.Line, version, good.Count + defects.Count, good.Count, defects.Count, pending,
            ReviewedThreshold.Rate(good, threshold, defects: false),
            ReviewedThreshold.Rate(defects, threshold, defects: true), threshold,
            ReviewedThreshold.Suggest(good, defects, threshold),
            defects.Count == 0
            ? "no confirmed defect yet: the escape rate is the synthetic estimate of the model (calibration)"
                : "measured on reviewed inspections of the current version; the suggested threshold makes the fewest " +
                "mistakes on them");
    }

    /// <summary>Scores of the version's reviewed inspections, split by what the reviewer said the part is.</summary>
    public async Task<(List<double> Good, List<double> Defects)> LabelledScoresAsync(LineContext l, string version,
        CancellationToken ct)
    {
        var reviewed = await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line,
            Review: ReviewFilter.Reviewed, Limit: 10_000), ct);
        var mine = reviewed.Where(e => e.Version == version).ToList();
        return (mine.Where(e => e.IsDefect == false).Select(e => e.Score).ToList(),
            mine.Where(e => e.IsDefect == true).Select(e => e.Score).ToList());
    }
}
