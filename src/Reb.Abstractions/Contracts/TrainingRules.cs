namespace Reb.Abstractions.Contracts;

/// <summary>
/// The one set of limits of a training request, checked by every entry point (the HTTP API answers 400 with the
/// message, the CLI prints it, the training grain refuses the job): field names as the HTTP API spells them. Names that
/// only the method knows (adaptation budgets and recipes) are checked where the method is, when the job starts.
/// </summary>
public static class TrainingRules
{
    public const int MinImageSize = 32, MaxImageSize = 1024;
    public const int MaxK = 1000;
    public const int MaxShards = 64;

    /// <summary>Scoring shards of a line: 1..<see cref="MaxShards"/>.</summary>
    public static string? CheckShards(int shards, string field = "shards") =>
        shards is < 1 or > MaxShards ? $"{field} must be in 1..{MaxShards}, got {shards}" : null;

    /// <summary>Every broken limit of <paramref name="r"/>'s settings, one message each; empty when they are valid. The
    /// images are not looked at: the HTTP API checks the settings before it stores the upload.</summary>
    public static IReadOnlyList<string> Check(TrainingRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var errors = new List<string>();
        if (r.ImageSize is < MinImageSize or > MaxImageSize)
            errors.Add($"imageSize must be in {MinImageSize}..{MaxImageSize}, got {r.ImageSize}");
        if (r.K is < 1 or > MaxK) errors.Add($"k must be in 1..{MaxK}, got {r.K}");
        if (CheckShards(r.FitShards, "fitShards") is { } shards) errors.Add(shards);
        if (!(r.CoresetRatio is > 0 and <= 1)) errors.Add($"coresetRatio must be in (0, 1], got {r.CoresetRatio}");
        if (r.BatchSize < 1) errors.Add($"batchSize must be positive, got {r.BatchSize}");
        Choice(errors, r.Adapt, "adapt");
        Choice(errors, r.AdaptGuard, "adaptGuard");
        Choice(errors, r.Resize, "resize");
        Choice(errors, r.Search, "search");
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every broken limit, a request without images
    /// included.</summary>
    public static void Validate(TrainingRequest r, string subject)
    {
        var errors = Check(r).ToList();
        if (r.ImageKeys.Count == 0) errors.Insert(0, "no training images");
        if (errors.Count > 0) throw new ArgumentException($"{subject}: {string.Join("; ", errors)}");
    }

    /// <summary>The choice named <paramref name="text"/> for field <paramref name="field"/>, null when the text is
    /// null; throws <see cref="ArgumentException"/> naming the field and the choices otherwise.</summary>
    public static T? ParseChoice<T>(string? text, string field) where T : struct, Enum =>
        text is null ? null
            : TrainingChoices.Parse<T>(text)
            ?? throw new ArgumentException($"{field} must be {TrainingChoices.List<T>()}, got '{text}'");

    private static void Choice<T>(List<string> errors, T value, string field) where T : struct, Enum
    {
        if (!TrainingChoices.IsDefined(value))
            errors.Add($"{field} must be {TrainingChoices.List<T>()}, got '{value}'");
    }
}
