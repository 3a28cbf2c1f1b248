namespace Reb.Storage.Inspections;

/// <summary>The words the API and the CLI use for verdict and review filters and decisions; anything else is refused
/// with the choices.</summary>
public static class InspectionFilters
{
    public static VerdictFilter Verdict(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "any" => VerdictFilter.Any,
        "reject" => VerdictFilter.Reject,
        "good" or "accept" => VerdictFilter.Accept,
        _ => throw new ArgumentException($"verdict '{text}' is not one of reject, good, any"),
    };

    public static ReviewFilter Review(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "any" => ReviewFilter.Any,
        "none" or "pending" => ReviewFilter.None,
        "reviewed" => ReviewFilter.Reviewed,
        "confirmed" => ReviewFilter.Confirmed,
        "overturned" => ReviewFilter.Overturned,
        _ => throw new ArgumentException($"review '{text}' is not one of none, reviewed, confirmed, overturned, any"),
    };

    public static ReviewState Decision(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "confirm" or "confirmed" => ReviewState.Confirmed,
        "overturn" or "overturned" => ReviewState.Overturned,
        _ => throw new ArgumentException($"decision '{text}' is not confirm or overturn"),
    };
}
