using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Reb.Abstractions.Contracts;

namespace Reb.Grains.Diagnostics;

/// <summary>
/// The silo side's own instruments (meter "Reb.Grains"): scoring stage durations, training progress and what retention
/// removed from the artefact store. They record
/// whether or not anyone listens; the gateway's telemetry registration exports every meter named "Reb.*".
/// </summary>
public static class RebMetrics
{
    public const string MeterName = "Reb.Grains";

    /// <summary>Scoring stages recorded by the scoring grain (tag "stage").</summary>
    public static class Stages
    {
        /// <summary>PNG/JPEG decode and resize to the model's input size.</summary>
        public const string Decode = "decode";
        /// <summary>Backbone forward pass (patch features).</summary>
        public const string Embed = "embed";
        /// <summary>Round trip of one feature chunk to every shard of the version (nearest cores), per chunk.</summary>
        public const string Search = "search";
        /// <summary>Merging the shards' nearest cores of one chunk.</summary>
        public const string Merge = "merge";
        /// <summary>The single-process scoring rule on the merged cores (patch scores, image score, pixel
        /// map).</summary>
        public const string Score = "score";
    }

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Duration of one scoring stage, tagged by stage and line.</summary>
    public static readonly Histogram<double> ScoringStageDuration =
        Meter.CreateHistogram<double>("reb.scoring.stage.duration", "ms",
            "Duration of a scoring stage (decode, embed, search, merge, score)");

    /// <summary>Items and bytes retention removed, tagged "kind": checkpoint (an ended job's), orphan-image (no history
    /// row names it), version (a model version beyond its line's last N).</summary>
    public static readonly Counter<long> RetentionRemoved =
        Meter.CreateCounter<long>("reb.retention.removed", "{item}",
            "Checkpoint files, orphan images and model versions retention removed from the artefact store, by kind");

    public static readonly Counter<long> RetentionRemovedBytes =
        Meter.CreateCounter<long>("reb.retention.removed.bytes", "By",
            "Bytes retention removed from the artefact store, by kind");

    // Line -> versions its registry keeps, as last seen by this silo's activation of the line.
    private static readonly ConcurrentDictionary<string, int> VersionsKept = new();
    /// <summary>Seconds a bank shard took to load its slice from the store (the cost of waking a cold
    /// shard), tagged by line.</summary>
    public static readonly Histogram<double> ShardActivation =
        Meter.CreateHistogram<double>("reb.shard.activation", "s",
        "Time a bank shard took to load its slice (fetch, read, prepare)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries =
            [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] });

    /// <summary>Scoring requests (feature chunks) one bank shard search served, tagged by line: 1 when requests
    /// arrive one at a time, more when concurrent ones shared a search (NearestCoalescer).</summary>
    public static readonly Histogram<int> ShardSearchRequests =
        Meter.CreateHistogram<int>("reb.shard.search.requests", "{request}",
        "Scoring requests (feature chunks) served by one bank shard search",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    // Every silo's bank memory in this process (tests run several); weak, so a stopped silo's entry goes with it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, ResidentSource> BankMemories =
        new();
    private sealed record ResidentSource(string Silo, Func<long> Bytes);

    /// <summary>Exports the resident bank bytes of <paramref name="owner"/> (a silo's bank memory) as
    /// reb.shard.resident, tagged by silo.</summary>
    public static void TrackResidentBytes(object owner, string silo, Func<long> bytes)
        => BankMemories.AddOrUpdate(owner, new ResidentSource(silo, bytes));

    private static IEnumerable<Measurement<long>> ObserveResidentBytes() =>
        BankMemories.Select(kv => new Measurement<long>(kv.Value.Bytes(),
            new KeyValuePair<string, object?>("silo", kv.Value.Silo))).ToList();

    // Job id -> last progress. Finished jobs stay visible for a while so a scrape after the end still sees 100 %
    // (or where a job failed), then they are dropped: the series set must not grow with every job ever run.
    private static readonly ConcurrentDictionary<string, TrainingGaugeEntry> Training = new();
    private static readonly TimeSpan FinishedJobsKept = TimeSpan.FromMinutes(15);

    static RebMetrics()
    {
        Meter.CreateObservableGauge("reb.training.progress", ObserveTrainingProgress, "%",
            "Progress of a training job over all its steps (0..100), tagged by job and line");
        Meter.CreateObservableGauge("reb.retention.versions.kept",
            () => VersionsKept.Select(v => new Measurement<int>(v.Value,
                new KeyValuePair<string, object?>("line", v.Key))),
            "{version}",
            "Model versions a line's registry keeps (at most Reb:MaxVersionsPerLine beyond the pinned ones)");
        Meter.CreateObservableGauge("reb.shard.resident", ObserveResidentBytes, "By",
            "Bytes of bank shards resident on a silo (rows, screen copy, cells, densities), tagged by silo");
    }

    public static void Retention(string kind, long files, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        RetentionRemoved.Add(files, tag);
        RetentionRemovedBytes.Add(bytes, tag);
    }

    public static void KeptVersions(string line, int count) => VersionsKept[line] = count;

    /// <summary>Records the time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) for a
    /// stage.</summary>
    public static void RecordStage(string stage, string line, long startTimestamp) =>
        ScoringStageDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds,
            new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("line", line));

    /// <summary>Runs <paramref name="work"/> and records its duration as <paramref name="stage"/>.</summary>
    public static T Time<T>(string stage, string line, Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        try { return work(); }
        finally { RecordStage(stage, line, start); }
    }

    /// <summary>Awaits <paramref name="work"/> (already started) and records the time from this call to its
    /// end.</summary>
    public static async Task<T> TimeAsync<T>(string stage, string line, Task<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        try { return await work; }
        finally { RecordStage(stage, line, start); }
    }

    /// <summary>
    /// Progress of a running job: <paramref name="stepPercent"/> (0..100) within <paramref name="stage"/>
    /// (Embed..Publish),
    /// exported as the percentage of the whole job. Completed = 100; Failed / Cancelled keep the last percentage.
    /// </summary>
    public static void TrainingProgress(string job, string line, TrainingStage stage, double stepPercent)
    {
        double overall = stage switch
        {
            TrainingStage.Queued => 0,
            >= TrainingStage.Embed and <= TrainingStage.Publish =>
                100.0 * ((int)stage - 1 + Math.Clamp(stepPercent, 0, 100) / 100.0) / (int)TrainingStage.Publish,
            TrainingStage.Completed => 100,
            _ => Training.TryGetValue(job, out var last) ? last.Percent : 0,
        };
        bool finished = stage is TrainingStage.Completed or TrainingStage.Failed or TrainingStage.Cancelled;
        Training[job] = new TrainingGaugeEntry(line, stage, overall, finished ? DateTime.UtcNow : null);
    }

    private static IEnumerable<Measurement<double>> ObserveTrainingProgress()
    {
        var now = DateTime.UtcNow;
        foreach (var (job, e) in Training)
        {
            if (e.FinishedUtc is { } done && now - done > FinishedJobsKept) { Training.TryRemove(job, out _);
                continue; }
            // No "stage" tag: a tag that changes during a job would leave one stale series per step behind.
            yield return new Measurement<double>(e.Percent, new KeyValuePair<string, object?>("job", job),
                new KeyValuePair<string, object?>("line", e.Line));
        }
    }

    private sealed record TrainingGaugeEntry(string Line, TrainingStage Stage, double Percent, DateTime? FinishedUtc);
}
