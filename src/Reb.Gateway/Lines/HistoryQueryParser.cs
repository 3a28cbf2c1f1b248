using System.Globalization;
using Reb.Gateway.Errors;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>Query-string filters of the history endpoints, each refused with a 400 that says what was
/// expected.</summary>
public static class HistoryQueryParser
{
    public static InspectionQuery Parse(string site, string line, string? from, string? to, string? verdict,
        string? review, int limit)
    {
        var f = Time(from, "from");
        var t = Time(to, "to");
        if (f is not null && t is not null && f >= t)
            throw GatewayProblem.BadRequest(
                $"empty time range: 'from' ({f:O}) must be before 'to' ({t:O}); the range is [from, to)");
        var v = InspectionFilters.Verdict(verdict);
        var r = InspectionFilters.Review(review);
        return new InspectionQuery(site, line, f, t, v, r, limit);
    }

    /// <summary>ISO 8601; a time without an offset is UTC.</summary>
    private static DateTimeOffset? Time(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t;
        throw GatewayProblem.BadRequest($"'{name}' = '{text}' is not an ISO 8601 time (e.g. 2026-01-31T08:00:00Z)");
    }
}
