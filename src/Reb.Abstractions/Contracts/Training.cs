namespace Reb.Abstractions.Contracts;

/// <summary>
/// A training job: fit a model for <see cref="Line"/> from defect-free images stored in the artefact store
/// (<see cref="ImageKeys"/>: blob keys, not bytes, so the request stays small). The settings are those of `reb fit`
/// (same names, same defaults), so the same images and settings publish the same model version either way.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TrainingRequest
{
    [Id(0)] public required string Line { get; init; }
    [Id(1)] public required IReadOnlyList<string> ImageKeys { get; init; }
    [Id(2)] public int ImageSize { get; init; } = 256;
    [Id(3)] public int K { get; init; } = 9;
    [Id(4)] public double Lambda { get; init; } = 1.0;
    [Id(5)] public double CoresetRatio { get; init; } = 1.0;
    /// <summary>Seed of the coreset and of the adaptation (as `reb fit --seed`).</summary>
    [Id(6)] public int Seed { get; init; }
    /// <summary>Bank shards used for the distributed density fit.</summary>
    [Id(7)] public int FitShards { get; init; } = 2;
    [Id(8)] public int CalibrationImages { get; init; } = 16;
    [Id(9)] public double ThresholdQuantile { get; init; } = 0.99;
    [Id(10)] public double ThresholdMargin { get; init; } = 0.1;
    /// <summary>Make the published version the line's current one.</summary>
    [Id(11)] public bool Promote { get; init; } = true;
    /// <summary>The site that owns the line and the job (checked on every call that reads or changes the
    /// job).</summary>
    [Id(12)] public string Site { get; init; } = "default";
    /// <summary>What the images show, recorded in the model (`reb fit` records the data folder's name); empty = the
    /// line.</summary>
    [Id(13)] public string Category { get; init; } = "";
    /// <summary>Backbone adaptation before fitting (as `reb fit --adapt`).</summary>
    [Id(14)] public AdaptMode Adapt { get; init; } = AdaptMode.None;
    /// <summary>Adaptation budget: "cpu", "reference" (a GPU job) or "smoke" (a 3-step check).</summary>
    [Id(15)] public string Budget { get; init; } = "cpu";
    /// <summary>Adaptation guard (as `reb fit --adapt-guard`).</summary>
    [Id(16)] public AdaptGuardMode AdaptGuard { get; init; } = AdaptGuardMode.On;
    /// <summary>Images per backbone pass when embedding the bank (as `reb fit --batch`).</summary>
    [Id(17)] public int BatchSize { get; init; } = 8;
    /// <summary>Wanted false-reject rate on good parts (as `reb fit --target-frr`); 0 = the legacy Q0.99 + margin
    /// rule.</summary>
    [Id(18)] public double TargetFrr { get; init; } = 0.01;
    [Id(19)] public double FrrConfidence { get; init; } = 0.9;
    [Id(20)] public int CalibrationFolds { get; init; } = 10;
    /// <summary>Out-of-fold images painted with DefectMaker's six defect kinds for the predicted escape rate.</summary>
    [Id(21)] public int SyntheticImages { get; init; } = 30;
    /// <summary>Young lines (target not certifiable): an escape costs this many false rejects (as `reb fit
    /// --escape-cost`).</summary>
    [Id(31)] public double EscapeCost { get; init; } = 10;
    /// <summary>Predicted (synthetic) escape rate above which the line warns (as `reb fit
    /// --max-predicted-escape`).</summary>
    [Id(32)] public double MaxPredictedEscape { get; init; } = 0.2;
    /// <summary>Young lines: the cost rule's cap on the predicted false-reject rate (as `reb fit --max-frr`).</summary>
    [Id(34)] public double MaxFalseRejectRate { get; init; } = 0.03;
    /// <summary>Adaptation recipe (as `reb fit --adapt-recipe`): "auto" (layer3 at the cpu budget, reference at the
    /// reference budget), "reference" (section 5 as published), "gentle", "gentle-keep", "layer3".</summary>
    [Id(30)] public string AdaptRecipe { get; init; } = "auto";
    /// <summary>
    /// Store folder ("sites/&lt;site&gt;/uploads/&lt;line&gt;/&lt;batch&gt;/") of images uploaded for this job alone:
    /// deleted when the
    /// job ends (completed, failed or cancelled). Null for jobs that train from a folder the site keeps.
    /// </summary>
    [Id(22)] public string? UploadFolder { get; init; }
    /// <summary>How images are resized before the backbone (as `reb fit --resize`).</summary>
    [Id(23)] public ResizeRequest Resize { get; init; } = ResizeRequest.Square;
    /// <summary>How banks are searched (as `reb fit --search`); the scores are the same.</summary>
    [Id(33)] public SearchRequest Search { get; init; } = SearchRequest.Auto;

    public string CategoryOrLine => string.IsNullOrEmpty(Category) ? Line : Category;
}

/// <summary>Steps of a training job, in order. A job resumes after the last completed one (adapt: after its last
/// checkpoint).</summary>
public enum TrainingStage
{
    Queued = 0,
    /// <summary>DefectMaker adaptation of the backbone with its guard (skipped, as done, when Adapt is
    /// "none").</summary>
    Adapt = 1,
    Embed = 2,
    Coreset = 3,
    Shard = 4,
    Density = 5,
    Calibrate = 6,
    Publish = 7,
    Completed = 8,
    Failed = 9,
    /// <summary>Stopped on request before its next step.</summary>
    Cancelled = 10,
}

/// <summary>Pollable progress of a training job.</summary>
/// <param name="Stage">Step running now (or Completed / Failed / Cancelled).</param>
/// <param name="Percent">0..100 within the running step.</param>
/// <param name="Loss">Adaptation loss of the latest optimiser step while the adapt step runs; null otherwise.</param>
/// <param name="Version">Published model version once Completed.</param>
/// <param name="Resumes">How many times the job resumed after its activation was lost.</param>
[GenerateSerializer, Immutable]
public sealed record TrainingProgress([property: Id(0)] string JobId, [property: Id(1)] TrainingStage Stage,
    [property: Id(2)] double Percent, [property: Id(3)] double? Loss, [property: Id(4)] string? Version,
    [property: Id(5)] string? Error, [property: Id(6)] int Resumes)
{
    public bool IsFinished => Stage is TrainingStage.Completed or TrainingStage.Failed or TrainingStage.Cancelled;

    /// <summary>Once Completed: what the published version says while the line is too young to trust (null =
    /// nothing).</summary>
    [Id(7)] public string? Warning { get; init; }
}

/// <summary>Whose job it is: the gateway compares the caller's site with it before any call that reads or changes the
/// job.</summary>
[GenerateSerializer, Immutable]
public sealed record TrainingJobOwner([property: Id(0)] string Line, [property: Id(1)] string Site);

/// <summary>
/// Outcome of <see cref="Reb.Abstractions.Grains.ISiteTrainingGrain.Start"/>: the new job's id, or null when the site
/// already runs <paramref name="Running"/> unfinished jobs (at its limit).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SiteTrainingStart([property: Id(0)] string? JobId, [property: Id(1)] int Running);
